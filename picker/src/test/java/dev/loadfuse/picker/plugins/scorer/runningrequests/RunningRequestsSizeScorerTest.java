package dev.loadfuse.picker.plugins.scorer.runningrequests;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RunningRequestsSizeScorerTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("single", new double[] {4}, new double[] {1}),
        Arguments.of("all equal", new double[] {8, 8}, new double[] {1, 1}),
        Arguments.of("fewer is better", new double[] {0, 10, 20}, new double[] {1, 0.5, 0}),
        Arguments.of("offset range", new double[] {10, 12, 14}, new double[] {1, 0.5, 0}),
        Arguments.of("absent uses in-flight (0)", new double[] {Double.NaN, 2, 4}, new double[] {1, 0.5, 0}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void scores(String name, double[] running, double[] expected) {
    EndpointState[] eps = new EndpointState[running.length];
    for (int i = 0; i < running.length; i++) {
      eps[i] = TestEndpoints.endpoint(i, 0, running[i], 0);
    }
    double[] scores = new double[eps.length];
    new RunningRequestsSizeScorer("r").score(cycle(), TestEndpoints.views(eps), eps.length, scores);
    for (int i = 0; i < expected.length; i++) {
      assertThat(scores[i]).as("endpoint %d", i).isCloseTo(expected[i], within(1e-12));
    }
  }
}
