package dev.loadfuse.picker.plugins.picker.weightedrandom;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class WeightedRandomPickerTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("proportional", new double[] {1, 2, 1}),
        Arguments.of("skewed", new double[] {0.1, 0.9}),
        Arguments.of("zero never drawn first", new double[] {0, 3, 1}),
        Arguments.of("all zero is uniform", new double[] {0, 0, 0, 0}),
        Arguments.of("equal", new double[] {2, 2}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void primary_isDrawnInProportionToScore(String name, double[] scores) {
    int n = scores.length;
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(new double[n]));
    double sum = Arrays.stream(scores).sum();
    int draws = 20_000;
    int[] counts = new int[n];
    WeightedRandomPicker picker = new WeightedRandomPicker("w", 1);
    for (int seed = 0; seed < draws; seed++) {
      int[] chosen = new int[n];
      picker.pick(cycle(seed), eps, n, scores, chosen);
      counts[chosen[0]]++;
    }
    for (int i = 0; i < n; i++) {
      double expected = sum == 0 ? 1.0 / n : scores[i] / sum;
      assertThat(counts[i] / (double) draws).as("endpoint %d", i).isBetween(expected - 0.02, expected + 0.02);
    }
  }

  @Test
  void fallbacks_areDistinct_zeroScoresLast() {
    double[] scores = {0, 5, 1};
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(new double[3]));
    for (int seed = 0; seed < 500; seed++) {
      int[] chosen = new int[3];
      int k = new WeightedRandomPicker("w", 3).pick(cycle(seed), eps, 3, scores, chosen);
      assertThat(k).isEqualTo(3);
      assertThat(chosen[2]).isZero();
      assertThat(Arrays.stream(chosen).distinct().count()).isEqualTo(3);
    }
  }
}
