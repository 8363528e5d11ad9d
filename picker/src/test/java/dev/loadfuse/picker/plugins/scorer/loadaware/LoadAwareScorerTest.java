package dev.loadfuse.picker.plugins.scorer.loadaware;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LoadAwareScorerTest {

  static Stream<Arguments> table() {
    return Stream.of(
        // the router's load_aware_test: threshold 10, waiting 2 / 0 / 15
        Arguments.of("reference: 2, 0, 15 waiting", 10, new double[] {2, 0, 15}, new double[] {0.4, 0.5, 0}),
        Arguments.of("default threshold 128", LoadAwareScorer.DEFAULT_THRESHOLD, new double[] {64, 128},
            new double[] {0.25, 0}),
        Arguments.of("idle endpoints all 0.5", 10, new double[] {0, 0}, new double[] {0.5, 0.5}),
        Arguments.of("no engine number: the picker's in-flight count (0)", 10, new double[] {Double.NaN},
            new double[] {0.5}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void scores(String name, int threshold, double[] waiting, double[] expected) {
    EndpointState[] eps = TestEndpoints.queues(waiting);
    double[] scores = new double[eps.length];
    new LoadAwareScorer("l", threshold).score(TestEndpoints.cycle(), TestEndpoints.views(eps), eps.length, scores);
    assertThat(scores).containsExactly(expected, org.assertj.core.data.Offset.offset(1e-12));
  }

  @ParameterizedTest(name = "picks not yet in the engine's count: {0}")
  @MethodSource("picks")
  void unreflectedPicksCountAsQueued(int picks, double expected) {
    EndpointState e = TestEndpoints.queues(1)[0];
    for (int i = 0; i < picks; i++) {
      e.acquire();
    }
    assertThat(TestEndpoints.scoreOf(new LoadAwareScorer("l", 10), TestEndpoints.cycle(), e))
        .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-12));
  }

  static Stream<Arguments> picks() {
    return Stream.of(Arguments.of(0, 0.45), Arguments.of(4, 0.25), Arguments.of(20, 0.0));
  }
}
