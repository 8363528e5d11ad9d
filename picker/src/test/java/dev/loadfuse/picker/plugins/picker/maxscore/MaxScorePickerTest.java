package dev.loadfuse.picker.plugins.picker.maxscore;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MaxScorePickerTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("single best", 1, new double[] {0.1, 0.9, 0.5}, new int[] {1}),
        Arguments.of("top two in order", 2, new double[] {0.1, 0.9, 0.5}, new int[] {1, 2}),
        Arguments.of("more wanted than candidates", 5, new double[] {3, 1}, new int[] {0, 1}),
        Arguments.of("single candidate", 1, new double[] {0}, new int[] {0}),
        Arguments.of("all ranked", 3, new double[] {2, 3, 1}, new int[] {1, 0, 2}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void picksHighestFirst(String name, int max, double[] scores, int[] expected) {
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(new double[scores.length]));
    int[] chosen = new int[scores.length];
    int k = new MaxScorePicker("p", max).pick(cycle(), eps, scores.length, scores, chosen);
    assertThat(Arrays.copyOf(chosen, k)).containsExactly(expected);
  }

  @Test
  void ties_areBrokenAtRandom_amongTheBestOnly() {
    double[] scores = {1, 4, 4, 2, 4};
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(new double[scores.length]));
    MaxScorePicker picker = new MaxScorePicker("p", 1);
    int[] counts = new int[scores.length];
    for (int seed = 0; seed < 3000; seed++) {
      int[] chosen = new int[scores.length];
      picker.pick(cycle(seed), eps, scores.length, scores, chosen);
      counts[chosen[0]]++;
    }
    assertThat(counts[0] + counts[3]).isZero();
    for (int i : new int[] {1, 2, 4}) {
      assertThat(counts[i]).as("tied endpoint %d", i).isBetween(800, 1200);
    }
  }

  @Test
  void fallbacks_areDistinct_andTiesShuffled() {
    double[] scores = {5, 5, 5, 5};
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(new double[4]));
    Set<Integer> firsts = new HashSet<>();
    for (int seed = 0; seed < 200; seed++) {
      int[] chosen = new int[4];
      int k = new MaxScorePicker("p", 3).pick(cycle(seed), eps, 4, scores, chosen);
      assertThat(k).isEqualTo(3);
      assertThat(Arrays.stream(chosen, 0, 3).distinct().count()).isEqualTo(3);
      firsts.add(chosen[0]);
    }
    assertThat(firsts).containsExactlyInAnyOrder(0, 1, 2, 3);
  }
}
