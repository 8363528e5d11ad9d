package dev.loadfuse.picker.plugins.scorer.kvcache;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

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
    double score = TestEndpoints.scoreOf(new KvCacheUtilizationScorer("kv"), cycle(),
        TestEndpoints.endpoint(0, 0, 0, kv));
    assertThat(score).isCloseTo(expected, within(1e-12));
  }

  @Test
  void noVectorYet_isNeutral() {
    double score = TestEndpoints.scoreOf(new KvCacheUtilizationScorer("kv"), cycle(),
        TestEndpoints.withLabels(0, Map.of()));
    assertThat(score).isEqualTo(KvCacheUtilizationScorer.ABSENT_SCORE);
  }
}
