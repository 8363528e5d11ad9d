package dev.loadfuse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyIngressRule;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPeer;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The security promises of {@code k8s/}: RBAC exactly as the READMEs list it (nothing more),
 * NetworkPolicies that open each port of the workloads only to whom k8s/README.md names, and the
 * one root container of the gpu-aware overlay with nothing else of root.
 */
class SecurityManifestsTest {

  private static final Path ROOT = RepoRoot.find();
  private static final List<HasMetadata> BASE = new ArrayList<>();

  @BeforeAll
  static void load() {
    Path base = ROOT.resolve("k8s/base");
    for (JsonNode r : Yaml.documents(base.resolve("kustomization.yaml")).getFirst().path("resources")) {
      Path file = base.resolve(r.asText());
      for (JsonNode doc : Yaml.documents(file)) {
        BASE.add(KubernetesObjects.parse(doc, file.toString()));
      }
    }
  }

  // ---------------------------------------------------------------- RBAC

  /** One granted permission: who, through which role, on what, which verb. */
  record Grant(String serviceAccount, String role, String apiGroup, String resource, String verb) implements Comparable<Grant> {
    @Override
    public int compareTo(Grant o) {
      return toString().compareTo(o.toString());
    }
  }

  @Test
  void rbac_grantsExactlyWhatTheReadmeTableLists() throws Exception {
    Set<Grant> granted = new TreeSet<>();
    for (HasMetadata o : BASE) {
      List<Subject> subjects;
      List<PolicyRule> rules;
      String role;
      if (o instanceof RoleBinding b) {
        subjects = b.getSubjects();
        role = b.getRoleRef().getKind() + " " + b.getRoleRef().getName();
        rules = b.getRoleRef().getKind().equals("Role") ? find(Role.class, b.getRoleRef().getName()).getRules()
            : find(ClusterRole.class, b.getRoleRef().getName()).getRules();
      } else if (o instanceof ClusterRoleBinding b) {
        subjects = b.getSubjects();
        role = "ClusterRole " + b.getRoleRef().getName() + " (cluster-wide)";
        rules = find(ClusterRole.class, b.getRoleRef().getName()).getRules();
      } else {
        continue;
      }
      for (Subject s : subjects) {
        for (PolicyRule r : rules) {
          for (String g : r.getApiGroups()) {
            for (String res : r.getResources()) {
              for (String v : r.getVerbs()) {
                granted.add(new Grant(s.getName(), role, g, res, v));
              }
            }
          }
        }
      }
    }
    assertThat(granted).as("k8s/base RBAC vs the table in k8s/README.md, \"RBAC\"").isEqualTo(readmeTable());
  }

  /**
   * The rows of the table under "## RBAC" in k8s/README.md: {@code | service account | role | API
   * groups | resources | verbs | why |}, lists comma-separated, the core group written {@code ""}.
   */
  private static Set<Grant> readmeTable() throws Exception {
    List<String> lines = Files.readAllLines(ROOT.resolve("k8s/README.md"));
    int at = lines.indexOf("## RBAC");
    assertThat(at).as("k8s/README.md has a section \"## RBAC\"").isNotNegative();
    Set<Grant> out = new TreeSet<>();
    int rows = 0;
    for (int i = at + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
      String line = lines.get(i).strip();
      if (!line.startsWith("|") || line.startsWith("|---") || line.startsWith("| service account")) {
        continue;
      }
      String[] cells = line.substring(1, line.length() - 1).split("\\|");
      String sa = unquote(cells[0]);
      String role = unquote(cells[1]);
      for (String g : list(cells[2])) {
        for (String res : list(cells[3])) {
          for (String v : list(cells[4])) {
            out.add(new Grant(sa, role, g, res, v));
          }
        }
      }
      rows++;
    }
    assertThat(rows).as("rows of the RBAC table").isPositive();
    return out;
  }

  @Test
  void pickerReadme_listsThePickersRoleRules() throws Exception {
    String readme = Files.readString(ROOT.resolve("picker/README.md"));
    int section = readme.indexOf("### RBAC (Kubernetes mode)");
    int start = readme.indexOf("```yaml", section) + "```yaml".length();
    JsonNode documented = Yaml.YAML.readTree(readme.substring(start, readme.indexOf("```", start))).path("rules");
    JsonNode actual = Yaml.JSON.valueToTree(find(Role.class, "loadfuse-picker").getRules());
    assertThat(normalized(documented)).isEqualTo(normalized(actual));
  }

  private static List<Map<String, Set<String>>> normalized(JsonNode rules) {
    List<Map<String, Set<String>>> out = new ArrayList<>();
    for (JsonNode r : rules) {
      out.add(Map.of("apiGroups", set(r.path("apiGroups")), "resources", set(r.path("resources")),
          "verbs", set(r.path("verbs"))));
    }
    return out;
  }

  // ---------------------------------------------------------------- NetworkPolicies

  @Test
  void picker_isReachableOnlyByTheGatewayMonitoringAndTheCluster() {
    NetworkPolicy np = find(NetworkPolicy.class, "loadfuse-picker");
    Deployment d = find(Deployment.class, "loadfuse-picker");
    assertSelects(np, d.getSpec().getTemplate().getMetadata().getLabels());
    Map<Integer, String> expected = Map.of(
        9002, "namespace envoy-gateway-system", 9003, "namespace envoy-gateway-system", 9090, "namespace monitoring",
        5701, "pods loadfuse-picker, pods loadfuse-sidecar", 5702, "pods loadfuse-picker, pods loadfuse-sidecar");
    assertThat(openedTo(np)).isEqualTo(expected);
    assertThat(ports(d.getSpec().getTemplate().getSpec().getContainers().getFirst().getPorts()))
        .as("every container port has its rule").isEqualTo(expected.keySet());
  }

  @Test
  void sidecar_isReachableOnlyByMonitoringAndTheCluster() {
    NetworkPolicy np = find(NetworkPolicy.class, "loadfuse-sidecar");
    DaemonSet ds = find(DaemonSet.class, "loadfuse-sidecar");
    assertSelects(np, ds.getSpec().getTemplate().getMetadata().getLabels());
    Map<Integer, String> expected = Map.of(9400, "namespace monitoring",
        5701, "pods loadfuse-picker, pods loadfuse-sidecar", 5702, "pods loadfuse-picker, pods loadfuse-sidecar");
    assertThat(openedTo(np)).isEqualTo(expected);
    assertThat(ports(ds.getSpec().getTemplate().getSpec().getContainers().getFirst().getPorts()))
        .as("every container port has its rule").isEqualTo(expected.keySet());
  }

  private static void assertSelects(NetworkPolicy np, Map<String, String> podLabels) {
    assertThat(np.getSpec().getPolicyTypes()).contains("Ingress");
    assertThat(podLabels).containsAllEntriesOf(np.getSpec().getPodSelector().getMatchLabels());
  }

  /** For each port a rule opens: who may reach it ("namespace x", "pods y"), sorted; no rule without a source. */
  private static Map<Integer, String> openedTo(NetworkPolicy np) {
    Map<Integer, String> out = new java.util.TreeMap<>();
    for (NetworkPolicyIngressRule rule : np.getSpec().getIngress()) {
      assertThat(rule.getFrom()).as("a rule without sources opens its ports to everyone").isNotEmpty();
      assertThat(rule.getPorts()).as("a rule without ports opens every port").isNotEmpty();
      TreeSet<String> who = new TreeSet<>();
      for (NetworkPolicyPeer p : rule.getFrom()) {
        assertThat(p.getIpBlock()).as("no IP blocks").isNull();
        if (p.getNamespaceSelector() != null) {
          assertThat(p.getPodSelector()).isNull();
          who.add("namespace " + p.getNamespaceSelector().getMatchLabels().get("kubernetes.io/metadata.name"));
        } else {
          who.add("pods " + p.getPodSelector().getMatchLabels().get("app.kubernetes.io/name"));
        }
      }
      rule.getPorts().forEach(port -> {
        assertThat(port.getProtocol()).isEqualTo("TCP");
        String before = out.put(port.getPort().getIntVal(), String.join(", ", who));
        assertThat(before).as("port %s in one rule only", port.getPort()).isNull();
      });
    }
    return out;
  }

  private static Set<Integer> ports(List<ContainerPort> ports) {
    Set<Integer> out = new TreeSet<>();
    ports.forEach(p -> out.add(p.getContainerPort()));
    return out;
  }

  // ---------------------------------------------------------------- root, where it cannot be avoided

  @Test
  void gpuAwareOverlay_runsOnlyTheSidecarContainerAsRoot_withNothingElseOfRoot() {
    Path patch = ROOT.resolve("k8s/overlays/gpu-aware/sidecar-root-patch.yaml");
    assertThat(Kustomizations.patchFiles(ROOT.resolve("k8s/overlays/gpu-aware/kustomization.yaml"))).contains(patch);
    JsonNode spec = Yaml.documents(patch).getFirst().path("spec").path("template").path("spec");
    assertThat(spec.has("securityContext")).as("the pod keeps the base's non-root securityContext").isFalse();
    JsonNode c = spec.path("containers").get(0);
    assertThat(c.path("name").asText()).isEqualTo("sidecar");
    JsonNode sc = c.path("securityContext");
    assertThat(sc.path("runAsUser").asInt(-1)).isZero();
    assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(sc.path("readOnlyRootFilesystem").asBoolean(false)).isTrue();
    assertThat(set(sc.path("capabilities").path("drop"))).containsExactly("ALL");
    assertThat(sc.path("capabilities").has("add")).isFalse();
    assertThat(sc.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
    assertThat(sc.has("privileged") && sc.get("privileged").asBoolean()).isFalse();
  }

  // ---------------------------------------------------------------- helpers

  private static <T extends HasMetadata> T find(Class<T> type, String name) {
    return BASE.stream().filter(type::isInstance).map(type::cast).filter(o -> o.getMetadata().getName().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError("k8s/base: no " + type.getSimpleName() + " " + name));
  }

  private static Set<String> set(JsonNode array) {
    Set<String> out = new TreeSet<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  private static List<String> list(String cell) {
    List<String> out = new ArrayList<>();
    for (String s : cell.split(",")) {
      out.add(unquote(s));
    }
    return out;
  }

  private static String unquote(String s) {
    String t = s.strip().replace("`", "");
    return t.equals("\"\"") ? "" : t;
  }
}
