package dev.loadfuse.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.discovery.PoolRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class InferencePoolSpecTest {

  private static GenericKubernetesResource pool(PoolApi api, Object spec) {
    GenericKubernetesResource r =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(api.apiVersion())
            .withKind("InferencePool")
            .withNewMetadata()
            .withNamespace("ns")
            .withName("p")
            .withAnnotations(Map.of("a", "b"))
            .endMetadata()
            .build();
    if (spec != null) {
      r.setAdditionalProperty("spec", spec);
    }
    return r;
  }

  private static Map<String, Object> v1(Object selector, Object ports) {
    Map<String, Object> spec = new HashMap<>();
    if (selector != null) {
      spec.put("selector", selector);
    }
    if (ports != null) {
      spec.put("targetPorts", ports);
    }
    return spec;
  }

  private static List<Map<String, Object>> ports(Object... numbers) {
    return java.util.Arrays.stream(numbers).map(n -> Map.<String, Object>of("number", n)).toList();
  }

  @Test
  void v1_readsMatchLabelsPortsAndAnnotations() {
    InferencePoolSpec s =
        InferencePoolSpec.parse(
            PoolApi.V1, pool(PoolApi.V1, v1(Map.of("matchLabels", Map.of("app", "x")), ports(8000, 8001L))));
    assertThat(s.ref()).isEqualTo(PoolRef.of("ns", "p"));
    assertThat(s.selector()).isEqualTo(LabelSelector.of(Map.of("app", "x")));
    assertThat(s.targetPorts()).containsExactly(8000, 8001);
    assertThat(s.annotations()).isEqualTo(Map.of("a", "b"));
  }

  @Test
  void v1alpha2_readsSelectorMapAndTargetPortNumber() {
    InferencePoolSpec s =
        InferencePoolSpec.parse(
            PoolApi.V1ALPHA2,
            pool(PoolApi.V1ALPHA2, Map.of("selector", Map.of("app", "x"), "targetPortNumber", 9000)));
    assertThat(s.selector()).isEqualTo(LabelSelector.of(Map.of("app", "x")));
    assertThat(s.targetPorts()).containsExactly(9000);
  }

  static List<Arguments> invalid() {
    Object ml = Map.of("matchLabels", Map.of("app", "x"));
    String v1 = "InferencePool ns/p (inference.networking.k8s.io/v1): ";
    String a2 = "InferencePool ns/p (inference.networking.x-k8s.io/v1alpha2): ";
    return List.of(
        Arguments.of(PoolApi.V1, null, v1 + "spec: missing"),
        Arguments.of(PoolApi.V1, "x", v1 + "spec: x (expected: a mapping)"),
        Arguments.of(PoolApi.V1, v1(null, ports(8000)), v1 + "spec.selector: missing"),
        Arguments.of(PoolApi.V1, v1(Map.of("matchLabels", Map.of()), ports(8000)),
            v1 + "spec.selector.matchLabels: empty (expected: at least one label; an empty selector would select every pod)"),
        Arguments.of(PoolApi.V1, v1(Map.of(), ports(8000)),
            v1 + "spec.selector.matchLabels: empty (expected: at least one label; an empty selector would select every pod)"),
        Arguments.of(PoolApi.V1,
            v1(Map.of("matchLabels", Map.of("app", "x"), "matchExpressions", List.of(Map.of("key", "k"))), ports(8000)),
            v1 + "spec.selector.matchExpressions: not supported (expected: matchLabels only)"),
        Arguments.of(PoolApi.V1, v1(Map.of("matchLabels", Map.of("app", 1)), ports(8000)),
            v1 + "spec.selector.matchLabels.app: 1 (expected: a string)"),
        Arguments.of(PoolApi.V1, v1(ml, null), v1 + "spec.targetPorts: missing"),
        Arguments.of(PoolApi.V1, v1(ml, 8000), v1 + "spec.targetPorts: 8000 (expected: a list)"),
        Arguments.of(PoolApi.V1, v1(ml, List.of()), v1 + "spec.targetPorts: 0 entries (expected: 1 to 8)"),
        Arguments.of(PoolApi.V1, v1(ml, ports(1, 2, 3, 4, 5, 6, 7, 8, 9)),
            v1 + "spec.targetPorts: 9 entries (expected: 1 to 8)"),
        Arguments.of(PoolApi.V1, v1(ml, ports(8000, 70000)),
            v1 + "spec.targetPorts[1].number: 70000 (expected: [1, 65535])"),
        Arguments.of(PoolApi.V1, v1(ml, ports(0)), v1 + "spec.targetPorts[0].number: 0 (expected: [1, 65535])"),
        Arguments.of(PoolApi.V1, v1(ml, ports("http")),
            v1 + "spec.targetPorts[0].number: http (expected: an integer in [1, 65535])"),
        Arguments.of(PoolApi.V1, v1(ml, List.of(Map.of("name", "x"))), v1 + "spec.targetPorts[0].number: missing"),
        Arguments.of(PoolApi.V1, v1(ml, ports(8000, 8000)), v1 + "spec.targetPorts[1].number: duplicate 8000"),
        Arguments.of(PoolApi.V1ALPHA2, Map.of("targetPortNumber", 1), a2 + "spec.selector: empty (expected: at least one label; an empty selector would select every pod)"),
        Arguments.of(PoolApi.V1ALPHA2, Map.of("selector", Map.of("app", "x")), a2 + "spec.targetPortNumber: missing"),
        Arguments.of(PoolApi.V1ALPHA2, Map.of("selector", Map.of("app", "x"), "targetPortNumber", 65536),
            a2 + "spec.targetPortNumber: 65536 (expected: [1, 65535])"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void invalidPool_rejectedNamingPoolVersionAndField(PoolApi api, Object spec, String message) {
    assertThatThrownBy(() -> InferencePoolSpec.parse(api, pool(api, spec)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void fromSelector_selectsByLabels_oneEndpointPerPort() {
    InferencePoolSpec spec = InferencePoolSpec.fromSelector(PoolRef.of("ns", "sel"), Map.of("app", "vllm"), List.of(8000, 8001));
    assertThat(spec.api()).isNull();
    assertThat(spec.annotations()).isEmpty();
    io.fabric8.kubernetes.api.model.Pod pod = new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withNamespace("ns").withName("v-0").withLabels(Map.of("app", "vllm")).endMetadata()
        .withNewStatus().withPodIP("10.0.0.1").addNewCondition().withType("Ready").withStatus("True").endCondition()
        .endStatus().build();
    assertThat(spec.selects(pod)).isTrue();
    assertThat(InferencePoolSpec.isServing(pod)).isTrue();
    assertThat(spec.endpoints(pod)).extracting(e -> e.name() + "@" + e.authority())
        .containsExactly("v-0-rank-0@10.0.0.1:8000", "v-0-rank-1@10.0.0.1:8001");
  }

  @Test
  void fromSelector_badInput_namesTheField() {
    PoolRef ref = PoolRef.of("ns", "sel");
    assertThatThrownBy(() -> InferencePoolSpec.fromSelector(ref, Map.of(), List.of(8000)))
        .hasMessage("selector: empty (expected: at least one label; an empty selector would select every pod)");
    assertThatThrownBy(() -> InferencePoolSpec.fromSelector(ref, Map.of("a", "b"), List.of()))
        .hasMessage("targetPorts: 0 entries (expected: 1 to 8)");
    assertThatThrownBy(() -> InferencePoolSpec.fromSelector(ref, Map.of("a", "b"), List.of(8000, 70000)))
        .hasMessage("targetPorts[1]: 70000 (expected: [1, 65535])");
    assertThatThrownBy(() -> InferencePoolSpec.fromSelector(ref, Map.of("a", "b"), List.of(8000, 8000)))
        .hasMessage("targetPorts[1]: duplicate 8000");
  }

  private static io.fabric8.kubernetes.api.model.Pod pod(Map<String, String> annotations) {
    return new io.fabric8.kubernetes.api.model.PodBuilder()
        .withNewMetadata().withNamespace("ns").withName("triton-0").withUid("u1")
        .withLabels(Map.of("app", "x")).withAnnotations(annotations).endMetadata()
        .withNewStatus().withPodIP("10.0.0.9").endStatus()
        .build();
  }

  private static InferencePoolSpec onePort(Map<String, String> poolAnnotations) {
    return new InferencePoolSpec(PoolApi.V1, PoolRef.of("ns", "p"), LabelSelector.of(Map.of("app", "x")), List.of(8000), poolAnnotations);
  }

  @Test
  void metricsPortAndPath_fromThePool_elseDefaults() {
    var plain = onePort(Map.of()).endpoints(pod(Map.of())).getFirst();
    assertThat(plain.metricsUri()).hasToString("http://10.0.0.9:8000/metrics");
    var triton = onePort(Map.of(InferencePoolSpec.METRICS_PORT_ANNOTATION, "8002")).endpoints(pod(Map.of())).getFirst();
    assertThat(triton.port()).isEqualTo(8000);
    assertThat(triton.metricsUri()).hasToString("http://10.0.0.9:8002/metrics");
  }

  @Test
  void podAnnotations_overrideThePools() {
    var e = onePort(Map.of(InferencePoolSpec.METRICS_PORT_ANNOTATION, "8002"))
        .endpoints(pod(Map.of(InferencePoolSpec.METRICS_PORT_ANNOTATION, "9100",
            InferencePoolSpec.METRICS_PATH_ANNOTATION, "/engine/metrics")))
        .getFirst();
    assertThat(e.metricsUri()).hasToString("http://10.0.0.9:9100/engine/metrics");
  }

  @Test
  void badMetricsAnnotations_areErrorsNamingTheAnnotation() {
    assertThatThrownBy(() -> onePort(Map.of(InferencePoolSpec.METRICS_PORT_ANNOTATION, "eighty")).endpoints(pod(Map.of())))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("annotation loadfuse.dev/metrics-port: \"eighty\" (expected: a port, 1 to 65535)");
    assertThatThrownBy(() -> onePort(Map.of()).endpoints(pod(Map.of(InferencePoolSpec.METRICS_PORT_ANNOTATION, "0"))))
        .hasMessage("annotation loadfuse.dev/metrics-port: \"0\" (expected: a port, 1 to 65535)");
    assertThatThrownBy(() -> onePort(Map.of()).endpoints(pod(Map.of(InferencePoolSpec.METRICS_PATH_ANNOTATION, "metrics"))))
        .hasMessageContaining("metricsPath: \"metrics\" (expected: a path starting with /)");
    var twoPorts = new InferencePoolSpec(PoolApi.V1, PoolRef.of("ns", "p"), LabelSelector.of(Map.of("app", "x")), List.of(8000, 8001),
        Map.of(InferencePoolSpec.METRICS_PORT_ANNOTATION, "8002"));
    assertThatThrownBy(() -> twoPorts.endpoints(pod(Map.of())))
        .hasMessage("annotation loadfuse.dev/metrics-port: applies to pools with one target port (this pool has 2;"
            + " each rank serves its own page)");
  }
}
