package dev.loadfuse.picker.plugins.scorer.kvcache;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KvCacheUtilizationScorerTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("empty cache", 0.0, 1.0),
        Arguments.of("full cache", 1.0, 0.0),
        Arguments.of("quarter used", 0.25, 0.75),
        Arguments.of("absent is neutral", Double.NaN, 0.5));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void scores(String name, double kv, double expected) {
    EndpointState[] eps = {TestEndpoints.endpoint(0, 0, 0, kv)};
    double[] scores = new double[1];
    new KvCacheUtilizationScorer("kv").score(cycle(), TestEndpoints.views(eps), 1, scores);
    assertThat(scores[0]).isCloseTo(expected, within(1e-12));
  }

  @Test
  void noVectorYet_isNeutral() {
    EndpointState[] eps = {TestEndpoints.withLabels(0, Map.of())};
    double[] scores = new double[1];
    new KvCacheUtilizationScorer("kv").score(cycle(), TestEndpoints.views(eps), 1, scores);
    assertThat(scores[0]).isEqualTo(KvCacheUtilizationScorer.ABSENT_SCORE);
  }
}
