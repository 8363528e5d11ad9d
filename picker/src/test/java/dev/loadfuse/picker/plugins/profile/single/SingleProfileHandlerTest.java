package dev.loadfuse.picker.plugins.profile.single;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.picker.maxscore.MaxScorePicker;
import dev.loadfuse.picker.plugins.scorer.queue.QueueScorer;
import dev.loadfuse.picker.scheduling.ProfileSpec;
import dev.loadfuse.picker.scheduling.SchedulerObserver;
import dev.loadfuse.picker.scheduling.SchedulerProfile;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import dev.loadfuse.picker.scheduling.WeightedScorer;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SingleProfileHandlerTest {

  static Stream<Arguments> profileCounts() {
    return Stream.of(
        Arguments.of(List.of("default"), null),
        Arguments.of(List.of(), "exactly one scheduling profile expected, found 0 []"),
        Arguments.of(List.of("a", "b"), "exactly one scheduling profile expected, found 2 [a, b]"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("profileCounts")
  void acceptsExactlyOneProfile(List<String> names, String problem) {
    assertThat(new SingleProfileHandler("h").checkProfiles(names)).isEqualTo(problem);
  }

  @Test
  void runsTheProfile_andNamesItPrimary() {
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(4, 1, 9));
    SchedulerProfile profile = new SchedulerProfile(new ProfileSpec("only",
        List.of(), List.of(new WeightedScorer(new QueueScorer("q"), 1)), new MaxScorePicker("m", 1)),
        SchedulerObserver.NONE);
    SchedulingResult r = new SingleProfileHandler("h").handle(cycle(), List.of(profile), eps, 3);
    assertThat(r.primaryProfile()).isEqualTo("only");
    assertThat(r.primary().primary()).isSameAs(eps[1]);
  }
}
