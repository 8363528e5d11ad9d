package dev.loadfuse.picker.scheduling;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.plugins.filter.bylabel.ByLabelFilter;
import dev.loadfuse.picker.plugins.picker.maxscore.MaxScorePicker;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SchedulerProfileTest {

  /** A scorer returning fixed values per candidate index. */
  private static Scorer fixed(String name, double... values) {
    return new Scorer() {
      @Override
      public TypedName typedName() {
        return new TypedName("fixed", name);
      }

      @Override
      public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
        System.arraycopy(values, 0, scores, 0, count);
      }
    };
  }

  static Stream<Arguments> sums() {
    return Stream.of(
        // a-scores, a-weight, b-scores, b-weight, expected primary
        Arguments.of(new double[] {1, 0, 0}, 1.0, new double[] {0, 0.6, 0}, 1.0, 0),
        Arguments.of(new double[] {1, 0, 0}, 1.0, new double[] {0, 0.6, 0}, 2.0, 1),
        Arguments.of(new double[] {5, 0, 0}, 1.0, new double[] {0, 0.9, 0}, 1.2, 1),  // 5 clamped to 1
        Arguments.of(new double[] {-3, Double.NaN, 0.1}, 1.0, new double[] {0, 0, 0}, 1.0, 2), // <0 and NaN count 0
        Arguments.of(new double[] {1, 0, 0}, 0.0, new double[] {0, 0, 0.1}, 1.0, 2)); // weight 0 ignores a
  }

  @ParameterizedTest
  @MethodSource("sums")
  void scoresAreClampedWeightedAndSummed(double[] a, double wa, double[] b, double wb, int expected) {
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(0, 0, 0));
    SchedulerProfile p = new SchedulerProfile(new ProfileSpec("p", List.of(),
        List.of(new WeightedScorer(fixed("a", a), wa), new WeightedScorer(fixed("b", b), wb)),
        new MaxScorePicker("m", 1)), SchedulerObserver.NONE);
    assertThat(p.run(cycle(), eps, 3).primary()).isSameAs(eps[expected]);
  }

  @Test
  void filtersLeavingNothing_failWith429_andTheInputIsUntouched() {
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.withLabels(0, Map.of("role", "a")),
        TestEndpoints.withLabels(1, Map.of()));
    EndpointView[] copy = eps.clone();
    SchedulerProfile p = new SchedulerProfile(new ProfileSpec("p",
        List.of(new ByLabelFilter("only-b", "role", List.of("b"), false)), List.of(), new MaxScorePicker("m", 1)),
        SchedulerObserver.NONE);
    assertThatThrownBy(() -> p.run(cycle(), eps, 2))
        .isInstanceOfSatisfying(PickerException.class, e -> {
          assertThat(e.code()).isEqualTo(PickerException.Code.RESOURCE_EXHAUSTED);
          assertThat(e.body()).isEqualTo("inference error: ResourceExhausted - failed to find a target"
              + " endpoint: filter only-b (by-label) left no endpoint (profile p)");
        });
    assertThat(eps).containsExactly(copy);
    assertThatThrownBy(() -> p.run(cycle(), eps, 0)).hasMessageContaining("no candidate endpoints");
  }

  @Test
  void defaultConfig_prefersTheShortestQueueThenFreeCache_andReportsTimings() {
    List<String> recorded = new ArrayList<>();
    SchedulerObserver observer = new SchedulerObserver() {
      @Override
      public Recorder plugin(String extensionPoint, TypedName plugin) {
        return nanos -> recorded.add(extensionPoint + ":" + plugin.type());
      }

      @Override
      public Recorder decision() {
        return nanos -> recorded.add("decision");
      }
    };
    Scheduler s = new ConfigLoader(InTreePlugins.registry()).defaults().scheduler(observer);
    EndpointView[] eps = TestEndpoints.views(
        TestEndpoints.endpoint(0, 4, 0, 0.1),
        TestEndpoints.endpoint(1, 0, 0, 0.9),
        TestEndpoints.endpoint(2, 0, 0, 0.2),
        TestEndpoints.endpoint(3, 8, 0, 0.0));
    assertThat(s.schedule(cycle(), eps, 4).primary().primary()).isSameAs(eps[2]);
    // A prompt-less request: the prefix scorer gives every endpoint the same score.
    assertThat(recorded).containsExactly("Scorer:queue-scorer", "Scorer:kv-cache-utilization-scorer",
        "Scorer:prefix-cache-scorer", "Picker:max-score-picker", "decision");
  }
}
