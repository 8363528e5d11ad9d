package dev.loadfuse.picker.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.scheduling.config.ConfigException;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ObjectsFileTest {

  private static final String REWRITE_HEAD = """
      apiVersion: inference.networking.x-k8s.io/v1alpha2
      kind: InferenceModelRewrite
      metadata: {name: r}
      spec:
      """;

  @Test
  void objectivesAndRewrites_areRead_exactBeatsMatchAll_olderFirst() {
    RoutingObjects o = ObjectsFile.parse("""
        apiVersion: inference.networking.x-k8s.io/v1alpha2
        kind: InferenceObjective
        metadata: {name: critical, namespace: default}
        spec: {priority: 10, poolRef: {name: pool}}
        ---
        apiVersion: inference.networking.x-k8s.io/v1alpha2
        kind: InferenceObjective
        metadata: {name: plain}
        spec: {poolRef: {name: pool}}
        ---
        apiVersion: inference.networking.x-k8s.io/v1alpha2
        kind: InferenceModelRewrite
        metadata: {name: newer, creationTimestamp: "2025-02-01T00:00:00Z"}
        spec:
          rules:
          - targets: [{modelRewrite: newer-default}]
          - matches: [{model: {value: m}}]
            targets: [{modelRewrite: newer-m}]
        ---
        apiVersion: inference.networking.x-k8s.io/v1alpha2
        kind: InferenceModelRewrite
        metadata: {name: older, creationTimestamp: "2025-01-01T00:00:00Z"}
        spec:
          rules:
          - matches: [{model: {type: Exact, value: m}}]
            targets: [{modelRewrite: older-m}]
        status: {conditions: []}
        """, "o.yaml", null);
    assertThat(o.priority("critical")).isEqualTo(10);
    assertThat(o.priority("plain")).isZero();
    assertThat(o.priority("unknown")).isZero();
    assertThat(o.priority(null)).isZero();
    SplittableRandom r = new SplittableRandom(1);
    assertThat(o.rewrites().rewrite("m", r)).isEqualTo("older-m");
    assertThat(o.rewrites().rewrite("x", r)).isEqualTo("newer-default");
  }

  @Test
  void poolName_skipsObjectsOfOtherPools() {
    RoutingObjects o = ObjectsFile.parse("""
        apiVersion: inference.networking.x-k8s.io/v1alpha2
        kind: InferenceModelRewrite
        metadata: {name: other}
        spec:
          poolRef: {name: other-pool}
          rules: [{targets: [{modelRewrite: x}]}]
        """, "o.yaml", "my-pool");
    assertThat(o.rewrites().isEmpty()).isTrue();
  }

  @Test
  void unweightedTargets_areEqual() {
    RoutingObjects o = ObjectsFile.parse(REWRITE_HEAD + "  rules: [{targets: [{modelRewrite: a}, {modelRewrite: b}]}]\n", "o", null);
    SplittableRandom r = new SplittableRandom(7);
    int a = 0;
    for (int i = 0; i < 10_000; i++) {
      a += o.rewrites().rewrite("m", r).equals("a") ? 1 : 0;
    }
    assertThat(a).isBetween(4700, 5300);
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("unknown kind", "apiVersion: inference.networking.x-k8s.io/v1alpha2\nkind: InferenceModel\nmetadata: {name: x}\nspec: {}\n",
            "o.yaml: document 1 (InferenceModel x): kind: \"InferenceModel\" (expected: InferenceObjective or InferenceModelRewrite)"),
        Arguments.of("wrong apiVersion", "apiVersion: v1\nkind: InferenceObjective\nmetadata: {name: x}\nspec: {}\n",
            "o.yaml: document 1 (InferenceObjective x): apiVersion: \"v1\" (expected: inference.networking.x-k8s.io/v1alpha2)"),
        Arguments.of("missing name", "apiVersion: inference.networking.x-k8s.io/v1alpha2\nkind: InferenceObjective\nspec: {}\n",
            "o.yaml: document 1: metadata.name: missing"),
        Arguments.of("unknown spec key", "apiVersion: inference.networking.x-k8s.io/v1alpha2\nkind: InferenceObjective\nmetadata: {name: x}\nspec: {prio: 1}\n",
            "o.yaml: document 1 (InferenceObjective x): spec: unknown key \"prio\" (known: priority, poolRef)"),
        Arguments.of("weight zero", REWRITE_HEAD + "  rules: [{targets: [{modelRewrite: a, weight: 0}]}]\n",
            "o.yaml: document 1 (InferenceModelRewrite r): spec.rules[0].targets[0].weight: 0 (expected: [1, 1000000])"),
        Arguments.of("weight too big", REWRITE_HEAD + "  rules: [{targets: [{modelRewrite: a, weight: 1000001}]}]\n",
            "spec.rules[0].targets[0].weight: 1000001 (expected: [1, 1000000])"),
        Arguments.of("weights on some", REWRITE_HEAD + "  rules: [{targets: [{modelRewrite: a, weight: 5}, {modelRewrite: b}]}]\n",
            "spec.rules[0].targets: weights set on 1 of 2 targets (expected: on all or on none)"),
        Arguments.of("no targets", REWRITE_HEAD + "  rules: [{matches: [{model: {value: m}}]}]\n",
            "spec.rules[0].targets: missing (expected: at least one target)"),
        Arguments.of("bad match type", REWRITE_HEAD + "  rules: [{matches: [{model: {type: Prefix, value: m}}], targets: [{modelRewrite: a}]}]\n",
            "spec.rules[0].matches[0].model.type: \"Prefix\" (expected: Exact)"),
        Arguments.of("duplicate objective", "apiVersion: inference.networking.x-k8s.io/v1alpha2\nkind: InferenceObjective\nmetadata: {name: x}\nspec: {}\n---\n"
            + "apiVersion: inference.networking.x-k8s.io/v1alpha2\nkind: InferenceObjective\nmetadata: {name: x}\nspec: {}\n",
            "o.yaml: document 2 (InferenceObjective x): metadata.name: a second InferenceObjective named \"x\""));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void invalidObjects_nameTheDocumentAndPath(String name, String text, String message) {
    assertThatThrownBy(() -> ObjectsFile.parse(text, "o.yaml", null))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }
}
