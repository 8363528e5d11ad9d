package dev.loadfuse.picker.plugins.scorer.queue;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class QueueScorerTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("single endpoint", new double[] {7}, new double[] {1}),
        Arguments.of("all equal", new double[] {3, 3, 3}, new double[] {1, 1, 1}),
        Arguments.of("all empty", new double[] {0, 0}, new double[] {1, 1}),
        Arguments.of("min-max", new double[] {0, 5, 10}, new double[] {1, 0.5, 0}),
        Arguments.of("offset range", new double[] {2, 4, 6, 10}, new double[] {1, 0.75, 0.5, 0}),
        Arguments.of("absent waiting uses in-flight (0)", new double[] {Double.NaN, 4}, new double[] {1, 0}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void scores(String name, double[] waiting, double[] expected) {
    EndpointState[] eps = TestEndpoints.queues(waiting);
    double[] scores = new double[eps.length];
    new QueueScorer("q").score(cycle(), TestEndpoints.views(eps), eps.length, scores);
    for (int i = 0; i < expected.length; i++) {
      assertThat(scores[i]).as("endpoint %d", i).isCloseTo(expected[i], within(1e-12));
    }
  }

  @Test
  void unreflectedPicks_countAsQueued() {
    EndpointState[] eps = TestEndpoints.queues(2, 2);
    eps[0].acquire();
    eps[0].acquire();
    double[] scores = new double[2];
    new QueueScorer("q").score(cycle(), TestEndpoints.views(eps), 2, scores);
    assertThat(scores).containsExactly(0, 1);
  }
}
