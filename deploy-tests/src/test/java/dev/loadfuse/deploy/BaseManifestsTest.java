package dev.loadfuse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loadfuse.picker.cli.PickerMain;
import dev.loadfuse.common.settings.SettingsSources;
import dev.loadfuse.sidecar.SidecarOptions;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * What the base manifests promise, read from the objects: the sidecar's node contract (GPU nodes,
 * NVML, PodResources, no GPU taken, probes, hardening), the settings the sidecar and picker would
 * read from them (through their own config and flag parsers), and the wiring between objects
 * (Services, ServiceAccounts, roles, the disruption budget).
 */
class BaseManifestsTest {

  private static final Pattern ENV_REF = Pattern.compile("\\$\\(([A-Z_][A-Z0-9_]*)\\)");
  private static final List<HasMetadata> BASE = new ArrayList<>();
  private static Path base;

  @BeforeAll
  static void load() {
    base = RepoRoot.find().resolve("k8s/base");
    for (JsonNode r : Yaml.documents(base.resolve("kustomization.yaml")).getFirst().path("resources")) {
      Path file = base.resolve(r.asText());
      for (JsonNode doc : Yaml.documents(file)) {
        BASE.add(KubernetesObjects.parse(doc, file.toString()));
      }
    }
  }

  private static <T extends HasMetadata> T one(Class<T> type, String name) {
    return BASE.stream().filter(type::isInstance).map(type::cast)
        .filter(o -> o.getMetadata().getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("k8s/base: no " + type.getSimpleName() + " " + name));
  }

  private static DaemonSet sidecar() {
    return one(DaemonSet.class, "loadfuse-sidecar");
  }

  private static Deployment picker() {
    return one(Deployment.class, "loadfuse-picker");
  }

  @Test
  void sidecar_runsOnGpuNodesOnly_andToleratesTheirTaint() {
    PodSpec pod = sidecar().getSpec().getTemplate().getSpec();
    var terms = pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms();
    assertThat(terms).anySatisfy(t -> assertThat(t.getMatchExpressions()).anySatisfy(e -> {
      assertThat(e.getKey()).isEqualTo("nvidia.com/gpu.present");
      assertThat(e.getOperator()).isEqualTo("In");
      assertThat(e.getValues()).containsExactly("true");
    }));
    assertThat(pod.getTolerations()).anySatisfy(t -> {
      assertThat(t.getKey()).isEqualTo("nvidia.com/gpu");
      assertThat(t.getOperator()).isEqualTo("Exists");
    });
  }

  @Test
  void sidecar_seesNvmlAndPodResources_withoutTakingAGpu() {
    PodSpec pod = sidecar().getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().getFirst();
    assertThat(env(c)).containsEntry("NVIDIA_VISIBLE_DEVICES", "all").containsEntry("NVIDIA_DRIVER_CAPABILITIES", "utility");
    EnvVar node = c.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME")).findFirst().orElseThrow();
    assertThat(node.getValueFrom().getFieldRef().getFieldPath()).isEqualTo("spec.nodeName");

    VolumeMount mount = c.getVolumeMounts().stream()
        .filter(m -> m.getMountPath().equals("/var/lib/kubelet/pod-resources")).findFirst().orElseThrow();
    assertThat(mount.getReadOnly()).isTrue();
    Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(mount.getName())).findFirst().orElseThrow();
    assertThat(v.getHostPath().getPath()).isEqualTo("/var/lib/kubelet/pod-resources");

    assertThat(c.getResources().getRequests()).doesNotContainKey("nvidia.com/gpu").containsKeys("cpu", "memory");
    assertThat(c.getResources().getLimits()).doesNotContainKey("nvidia.com/gpu");
  }

  @Test
  void sidecar_isProbedAndHardened() {
    PodSpec pod = sidecar().getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().getFirst();
    assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
    assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getSecurityContext().getRunAsUser()).isNotZero();
    assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
  }

  @Test
  void sidecarEnvironment_isAValidSidecarConfig_joiningTheHeadlessService() {
    Container c = sidecar().getSpec().getTemplate().getSpec().getContainers().getFirst();
    SidecarOptions config = SidecarOptions.read(SettingsSources.environment(env(c), SidecarOptions.SCALAR_KEYS,
        SidecarOptions.ENVIRONMENT_FALLBACKS));
    assertThat(config.getNodeName()).isEqualTo("gpu-node-1");
    assertThat(config.isCluster()).isTrue();
    assertThat(config.getClusterSettings().host()).isEqualTo("10.1.2.3");
    assertThat(config.getNamespace()).as("discovery in its own namespace (a Role suffices)").isNotNull();
    assertSecretMounted(sidecar().getSpec().getTemplate().getSpec(), c, config.getClusterSettings().secretFile());
    assertThat(c.getPorts()).anySatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(config.getClusterSettings().busPort()));

    Service headless = one(Service.class, config.getClusterSettings().service());
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses()).isTrue();
    assertThat(sidecar().getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(headless.getSpec().getSelector());
    assertThat(headless.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(config.getClusterSettings().port()));

    // The sidecar's flags parse with the sidecar's own command line.
    List<String> args = c.getArgs();
    assertThat(args.getFirst()).isEqualTo("run");
    new CommandLine(dev.loadfuse.sidecar.cli.SidecarMain.class).parseArgs(args.toArray(String[]::new));
    assertMountedConfigFile(sidecar().getSpec().getTemplate().getSpec(), c, args, "loadfuse-sidecar-config");
  }

  @Test
  void pickerFlags_parse_watchThePool_andJoinTheSidecarsCluster() {
    PodSpec pod = picker().getSpec().getTemplate().getSpec();
    Container c = pod.getContainers().getFirst();
    Map<String, String> env = env(c);
    List<String> args = c.getArgs().stream().map(a -> expand(a, env)).toList();
    PickerMain main = new PickerMain();
    new CommandLine(main).parseArgs(args.toArray(String[]::new));

    assertThat(flag(args, "--pool-name")).as("--pool-name: Kubernetes mode").isNotBlank();
    Service headless = one(Service.class, flag(args, "--cluster-service"));
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getSelector()).isEqualTo(sidecar().getSpec().getSelector().getMatchLabels());
    assertThat(headless.getSpec().getPorts()).anySatisfy(p -> assertThat(p.getPort()).isEqualTo(5701));
    assertMountedConfigFile(pod, c, args, "loadfuse-picker-config");
    assertSecretMounted(pod, c, flag(args, "--cluster-secret-file"));
    assertThat(c.getPorts()).anySatisfy(p -> assertThat(p.getContainerPort()).isEqualTo(Integer.parseInt(flag(args, "--cluster-bus-port"))));
  }

  @Test
  void pickerService_exposesTheReferencePorts_andProbesUseThem() {
    Service svc = one(Service.class, "loadfuse-picker");
    assertThat(svc.getSpec().getPorts()).extracting(p -> p.getPort()).containsExactlyInAnyOrder(9002, 9003, 9090);
    assertThat(picker().getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(svc.getSpec().getSelector());
    Container c = picker().getSpec().getTemplate().getSpec().getContainers().getFirst();
    assertThat(c.getReadinessProbe().getGrpc().getPort()).isEqualTo(9003);
    assertThat(c.getReadinessProbe().getGrpc().getService()).isEqualTo(EnvoyBootstrapCheck.EXT_PROC_SERVICE);
    assertThat(picker().getSpec().getReplicas()).isGreaterThan(1);
    PodDisruptionBudget pdb = one(PodDisruptionBudget.class, "loadfuse-picker");
    assertThat(picker().getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    assertThat(pdb.getSpec().getMinAvailable().getIntVal()).isLessThan(picker().getSpec().getReplicas());
  }

  @Test
  void rbac_bindsEachServiceAccount_toReadOnlyRules() {
    for (String workload : List.of("loadfuse-sidecar", "loadfuse-picker")) {
      String sa = workload.equals("loadfuse-sidecar")
          ? sidecar().getSpec().getTemplate().getSpec().getServiceAccountName()
          : picker().getSpec().getTemplate().getSpec().getServiceAccountName();
      one(ServiceAccount.class, sa);
    }
    List<PolicyRule> rules = new ArrayList<>();
    for (HasMetadata o : BASE) {
      if (o instanceof ClusterRoleBinding b) {
        assertThat(b.getSubjects()).allSatisfy(s -> one(ServiceAccount.class, s.getName()));
        rules.addAll(one(ClusterRole.class, b.getRoleRef().getName()).getRules());
      } else if (o instanceof RoleBinding b) {
        assertThat(b.getSubjects()).allSatisfy(s -> one(ServiceAccount.class, s.getName()));
        rules.addAll(one(Role.class, b.getRoleRef().getName()).getRules());
      }
    }
    assertThat(rules).isNotEmpty().allSatisfy(r -> assertThat(r.getVerbs()).isSubsetOf("get", "list", "watch"));
    assertThat(BASE).as("nothing cluster-wide: RBAC cannot limit a pod listing to one node")
        .noneMatch(o -> o instanceof ClusterRole || o instanceof ClusterRoleBinding);
    Role sidecarRole = one(Role.class, "loadfuse-sidecar");
    assertThat(sidecarRole.getRules()).anySatisfy(r -> {
      assertThat(r.getResources()).contains("inferencepools");
      assertThat(r.getApiGroups()).contains("inference.networking.k8s.io", "inference.networking.x-k8s.io");
    });
    Role pickerRole = one(Role.class, "loadfuse-picker");
    assertThat(pickerRole.getRules().stream().flatMap(r -> r.getResources().stream()))
        .contains("pods", "inferencepools", "inferenceobjectives", "inferencemodelrewrites");
  }

  /**
   * The cluster secret file lies in a volume of the Secret loadfuse-cluster-secret, at its key
   * "secret", readable by the container's group (fsGroup).
   */
  static void assertSecretMounted(PodSpec pod, Container c, String file) {
    assertThat(file).as("the cluster secret file").isNotNull();
    Path path = Path.of(file);
    VolumeMount mount = c.getVolumeMounts().stream().filter(m -> path.startsWith(m.getMountPath()))
        .max(java.util.Comparator.comparingInt(m -> m.getMountPath().length()))
        .orElseThrow(() -> new AssertionError(file + " is not under a volume mount"));
    assertThat(mount.getReadOnly()).isTrue();
    Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(mount.getName())).findFirst().orElseThrow();
    assertThat(v.getSecret()).as(file + ": a Secret volume").isNotNull();
    assertThat(v.getSecret().getSecretName()).isEqualTo("loadfuse-cluster-secret");
    assertThat(v.getSecret().getItems()).anySatisfy(i -> {
      assertThat(i.getKey()).isEqualTo("secret");
      assertThat(Path.of(mount.getMountPath()).resolve(i.getPath())).isEqualTo(path);
    });
    assertThat(pod.getSecurityContext().getFsGroup()).as("group-readable secret").isNotNull();
  }

  /** --config-file points into a volume made from the named ConfigMap, at a key its generator makes. */
  private static void assertMountedConfigFile(PodSpec pod, Container c, List<String> args, String configMap) {
    Path file = Path.of(flag(args, "--config-file"));
    VolumeMount mount = c.getVolumeMounts().stream()
        .filter(m -> file.startsWith(m.getMountPath())).findFirst()
        .orElseThrow(() -> new AssertionError("--config-file " + file + " is not under a volume mount"));
    Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(mount.getName())).findFirst().orElseThrow();
    assertThat(v.getConfigMap().getName()).isEqualTo(configMap);
    List<String> keys = new ArrayList<>();
    for (JsonNode g : Yaml.documents(base.resolve("kustomization.yaml")).getFirst().path("configMapGenerator")) {
      if (configMap.equals(Yaml.text(g, "name"))) {
        g.path("files").forEach(f -> keys.add(f.asText()));
      }
    }
    assertThat(keys).contains(file.getFileName().toString());
  }

  private static String flag(List<String> args, String name) {
    for (int i = 0; i < args.size(); i++) {
      if (args.get(i).startsWith(name + "=")) {
        return args.get(i).substring(name.length() + 1);
      }
      if (args.get(i).equals(name) && i + 1 < args.size()) {
        return args.get(i + 1);
      }
    }
    throw new AssertionError("no " + name + " in " + args);
  }

  /** The container's environment as the kubelet would give it (downward API values made up). */
  private static Map<String, String> env(Container c) {
    Map<String, String> env = new HashMap<>();
    for (EnvVar e : c.getEnv()) {
      String value = e.getValue();
      if (value == null && e.getValueFrom() != null && e.getValueFrom().getFieldRef() != null) {
        value = switch (e.getValueFrom().getFieldRef().getFieldPath()) {
          case "spec.nodeName" -> "gpu-node-1";
          case "status.podIP" -> "10.1.2.3";
          default -> "field";
        };
      }
      env.put(e.getName(), expand(value, env));
    }
    return env;
  }

  private static String expand(String value, Map<String, String> env) {
    Matcher m = ENV_REF.matcher(value);
    StringBuilder sb = new StringBuilder();
    while (m.find()) {
      m.appendReplacement(sb, Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
    }
    return m.appendTail(sb).toString();
  }
}
