package dev.loadfuse.picker.plugins.scorer.lora;

import static dev.loadfuse.picker.testing.TestEndpoints.lora;
import static dev.loadfuse.picker.testing.TestEndpoints.loraVector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.testing.TestEndpoints;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LoraAffinityScorerTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("adapter running", lora(List.of("a", "b"), List.of(), 2), 1.0),
        Arguments.of("running beats full slots", lora(List.of("x", "a"), List.of("y"), 2), 1.0),
        Arguments.of("free slot", lora(List.of("b"), List.of(), 2), 0.8),
        Arguments.of("free slot, nothing loaded", lora(List.of(), List.of(), 4), 0.8),
        Arguments.of("adapter waiting, slots full", lora(List.of("b"), List.of("a"), 2), 0.6),
        Arguments.of("adapter in both lists counts once", lora(List.of("b"), List.of("b"), 2), 0.8),
        Arguments.of("slots full of others", lora(List.of("b", "c"), List.of(), 2), 0.0),
        Arguments.of("max_lora unknown, adapter waiting", lora(List.of("b"), List.of("a"), -1), 0.6),
        Arguments.of("max_lora unknown, not there", lora(List.of("b"), List.of(), -1), 0.0),
        Arguments.of("LoRA off (max_lora 0)", lora(List.of(), List.of(), 0), 0.5),
        Arguments.of("no LoRA metrics (SGLang, TRT-LLM)", null, 0.5));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void scores(String name, LoraInfo info, double expected) {
    double score = TestEndpoints.scoreOf(new LoraAffinityScorer("lora"), cycleFor("a"),
        TestEndpoints.withVector(0, loraVector(0, info)));
    assertThat(score).isEqualTo(expected);
  }

  @Test
  void poolWithoutLoraMetrics_isNeutralEverywhere_neverZero() {
    EndpointState[] eps = {TestEndpoints.endpoint(0, 0, 0, 0.1), TestEndpoints.endpoint(1, 3, 0, 0.5)};
    double[] scores = new double[2];
    new LoraAffinityScorer("lora").score(cycleFor("a"), TestEndpoints.views(eps), 2, scores);
    assertThat(scores).containsExactly(0.5, 0.5);
  }

  @Test
  void requestWithoutModel_orStaleMetrics_isNeutral() {
    double score = TestEndpoints.scoreOf(new LoraAffinityScorer("lora"), cycleFor(""),
        TestEndpoints.withVector(0, loraVector(0, lora(List.of("a"), List.of(), 2))));
    assertThat(score).isEqualTo(0.5);
    // Stale LoRA state (with a fresh endpoint beside it, so the picker does not fail open).
    EndpointState stale = TestEndpoints.withVector(0, new LoadVector(TestEndpoints.id(0), "vllm", 0, 0, 0.1,
        lora(List.of("a"), List.of(), 2), -1, -1, List.of(), TestEndpoints.NOW - 10 * TestEndpoints.STALE_MS, List.of(),
        0, true, false, null));
    double[] two = new double[2];
    new LoraAffinityScorer("lora").score(cycleFor("a"), TestEndpoints.views(stale, TestEndpoints.endpoint(1, 0, 0, 0)), 2,
        two);
    assertThat(two[0]).isEqualTo(0.5);
  }

  private static SchedulingRequest request(String target) {
    return new SchedulingRequest("r", target, target, 0, null, Map.of(), 10);
  }

  private static SchedulingCycle cycleFor(String target) {
    return new SchedulingCycle(request(target), TestEndpoints.NOW, new SplittableRandom(1));
  }
}
