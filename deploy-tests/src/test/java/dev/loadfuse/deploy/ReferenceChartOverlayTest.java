package dev.loadfuse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loadfuse.picker.cli.PickerMain;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.Role;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code k8s/overlays/reference-chart}: the picker container carries the GIE v1.5 {@code
 * inferencepool} chart's arguments and probes exactly as the chart renders them (replicas > 1),
 * the arguments parse with {@code picker.jar}'s parser, the config file they name is mounted from
 * the overlay's ConfigMap, and the RBAC they need is there.
 */
class ReferenceChartOverlayTest {

  /** The chart's rendered args (epplib/templates/_deployment.yaml, release llama3-8b-vllm, namespace loadfuse, replicas 2). */
  static final List<String> CHART_ARGS = List.of(
      "--pool-name", "llama3-8b-vllm",
      "--pool-namespace", "loadfuse",
      "--pool-group", "inference.networking.k8s.io",
      "--zap-encoder", "json",
      "--config-file", "/config/default-plugins.yaml",
      "--ha-enable-leader-election",
      "--v", "1",
      "--tracing=false");

  private static final Path OVERLAY = RepoRoot.find().resolve("k8s/overlays/reference-chart");

  private static Container picker() {
    Deployment d = (Deployment) KubernetesObjects.parse(
        Yaml.documents(OVERLAY.resolve("picker-reference-patch.yaml")).getFirst(), "picker-reference-patch.yaml");
    return d.getSpec().getTemplate().getSpec().getContainers().getFirst();
  }

  @Test
  void args_areTheCharts_andParse() {
    Container c = picker();
    assertThat(c.getName()).isEqualTo("picker");
    assertThat(c.getArgs()).isEqualTo(CHART_ARGS);
    PickerMain main = new PickerMain();
    new CommandLine(main).parseArgs(c.getArgs().toArray(String[]::new));
  }

  @Test
  void probes_areTheCharts_onTheHealthPort() {
    Probe liveness = picker().getLivenessProbe();
    assertThat(liveness.getHttpGet()).as("the base's httpGet removed").isNull();
    assertThat(liveness.getGrpc().getPort()).isEqualTo(9003);
    assertThat(liveness.getGrpc().getService()).isEqualTo("liveness");
    assertThat(liveness.getInitialDelaySeconds()).isEqualTo(5);
    assertThat(liveness.getPeriodSeconds()).isEqualTo(10);
    Probe readiness = picker().getReadinessProbe();
    assertThat(readiness.getGrpc().getPort()).isEqualTo(9003);
    assertThat(readiness.getGrpc().getService()).isEqualTo("readiness");
    assertThat(readiness.getPeriodSeconds()).isEqualTo(2);
  }

  @Test
  void configFile_isMountedFromTheOverlaysConfigMap() {
    Deployment d = (Deployment) KubernetesObjects.parse(
        Yaml.documents(OVERLAY.resolve("picker-reference-patch.yaml")).getFirst(), "picker-reference-patch.yaml");
    PodSpec pod = d.getSpec().getTemplate().getSpec();
    String file = CHART_ARGS.get(CHART_ARGS.indexOf("--config-file") + 1);
    var mount = picker().getVolumeMounts().stream().filter(m -> file.startsWith(m.getMountPath() + "/")).findFirst()
        .orElseThrow(() -> new AssertionError("nothing mounted at " + file));
    var volume = pod.getVolumes().stream().filter(v -> v.getName().equals(mount.getName())).findFirst().orElseThrow();
    JsonNode k = Yaml.documents(OVERLAY.resolve("kustomization.yaml")).getFirst();
    List<String> generated = new ArrayList<>();
    for (JsonNode g : k.path("configMapGenerator")) {
      if (g.path("name").asText().equals(volume.getConfigMap().getName())) {
        g.path("files").forEach(f -> generated.add(f.asText()));
      }
    }
    assertThat(generated).contains(Path.of(file).getFileName().toString());
  }

  @Test
  void rbac_forTheLeaseAndTheMetricsReviews() {
    List<HasMetadata> objects = new ArrayList<>();
    for (JsonNode doc : Yaml.documents(OVERLAY.resolve("reference-rbac.yaml"))) {
      objects.add(KubernetesObjects.parse(doc, "reference-rbac.yaml"));
    }
    Role role = objects.stream().filter(Role.class::isInstance).map(Role.class::cast).findFirst().orElseThrow();
    assertThat(role.getRules()).anySatisfy(r -> {
      assertThat(r.getApiGroups()).containsExactly("coordination.k8s.io");
      assertThat(r.getResources()).containsExactly("leases");
      assertThat(r.getVerbs()).contains("get", "create", "update");
    });
    ClusterRole metrics = objects.stream().filter(ClusterRole.class::isInstance).map(ClusterRole.class::cast)
        .findFirst().orElseThrow();
    assertThat(metrics.getRules()).anySatisfy(r -> assertThat(r.getResources()).containsExactly("tokenreviews"));
    assertThat(metrics.getRules()).anySatisfy(r -> assertThat(r.getResources()).containsExactly("subjectaccessreviews"));
  }
}
