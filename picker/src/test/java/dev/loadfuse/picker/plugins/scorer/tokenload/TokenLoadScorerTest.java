package dev.loadfuse.picker.plugins.scorer.tokenload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TokenLoadScorerTest {

  /** Name, threshold, each endpoint's in-flight requests' estimated tokens, expected scores. */
  static Stream<Arguments> table() {
    return Stream.of(
        // GIE v1.5 token_load_test: threshold 1000, 0 / 500 / 1000 tokens
        Arguments.of("reference: 0, half, full", 1000, new long[][] {{}, {500}, {1000}}, new double[] {1, 0.5, 0}),
        Arguments.of("over the threshold scores 0", 1000, new long[][] {{800, 800}}, new double[] {0}),
        Arguments.of("requests add up", 1000, new long[][] {{100, 150}, {250}}, new double[] {0.75, 0.75}),
        Arguments.of("fixed scale: no min-max", 4_194_304, new long[][] {{1024}, {2048}},
            new double[] {1 - 1024 / 4_194_304.0, 1 - 2048 / 4_194_304.0}),
        Arguments.of("requests without a body count 0", 10, new long[][] {{0, 0}}, new double[] {1}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void scores(String name, int threshold, long[][] inFlight, double[] expected) {
    EndpointState[] eps = new EndpointState[inFlight.length];
    for (int i = 0; i < eps.length; i++) {
      eps[i] = TestEndpoints.endpoint(i, 0, 0, 0);
      for (long tokens : inFlight[i]) {
        eps[i].acquire(tokens);
      }
    }
    double[] scores = new double[eps.length];
    new TokenLoadScorer("t", threshold).score(TestEndpoints.cycle(), TestEndpoints.views(eps), eps.length, scores);
    for (int i = 0; i < expected.length; i++) {
      assertThat(scores[i]).as("endpoint %d", i).isCloseTo(expected[i], within(1e-12));
    }
  }
}
