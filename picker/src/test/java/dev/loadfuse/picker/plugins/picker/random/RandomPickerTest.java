package dev.loadfuse.picker.plugins.picker.random;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RandomPickerTest {

  static Stream<Arguments> table() {
    // maxNumOfEndpoints, candidates, expected count
    return Stream.of(
        Arguments.of(1, 4, 1),
        Arguments.of(2, 4, 2),
        Arguments.of(9, 3, 3),
        Arguments.of(1, 1, 1));
  }

  @ParameterizedTest(name = "max {0} of {1}")
  @MethodSource("table")
  void uniform_distinct_ignoresScores(int max, int n, int expectedCount) {
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(new double[n]));
    double[] scores = new double[n];
    scores[0] = 100; // ignored
    int[] firstCounts = new int[n];
    int draws = 2000 * n;
    for (int seed = 0; seed < draws; seed++) {
      int[] chosen = new int[n];
      int k = new RandomPicker("r", max).pick(cycle(seed), eps, n, scores, chosen);
      assertThat(k).isEqualTo(expectedCount);
      assertThat(Arrays.stream(chosen, 0, k).distinct().count()).isEqualTo(k);
      firstCounts[chosen[0]]++;
    }
    for (int i = 0; i < n; i++) {
      assertThat(firstCounts[i]).as("endpoint %d", i).isBetween(1600, 2400);
    }
  }
}
