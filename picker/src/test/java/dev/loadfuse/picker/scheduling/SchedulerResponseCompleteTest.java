package dev.loadfuse.picker.scheduling;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.picker.maxscore.MaxScorePicker;
import dev.loadfuse.picker.plugins.profile.single.SingleProfileHandler;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SchedulerResponseCompleteTest {

  /** A scorer that also records each finished response it is told of. */
  private static final class Recording implements Scorer, ResponseComplete {
    final List<String> told = new ArrayList<>();

    @Override
    public TypedName typedName() {
      return new TypedName("recording", "r");
    }

    @Override
    public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {}

    @Override
    public void responseComplete(SchedulingCycle cycle, SchedulingResult result, int status, long promptTokens,
        long completionTokens) {
      told.add(result.primary().primary().hostPort() + " " + status + " " + promptTokens + " " + completionTokens);
      if (status == 500) {
        throw new IllegalStateException("a failing plugin must not break the response");
      }
    }
  }

  @Test
  void aPluginSharedByTwoProfilesIsToldOncePerResponseWithTheChosenEndpoint() {
    Recording rec = new Recording();
    List<ProfileSpec> profiles = List.of(
        new ProfileSpec("a", List.of(), List.of(new WeightedScorer(rec, 1)), new MaxScorePicker("m", 1)),
        new ProfileSpec("b", List.of(), List.of(new WeightedScorer(rec, 1)), new MaxScorePicker("m", 1)));
    Scheduler s = new Scheduler(new SingleProfileHandler("h"), profiles.subList(0, 1), SchedulerObserver.NONE);
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(0));
    SchedulingCycle c = cycle();
    SchedulingResult r = s.schedule(c, eps, 1);

    s.responseComplete(c, r, 200, 12, 34);
    s.responseComplete(c, r, 500, -1, -1);

    String addr = eps[0].hostPort();
    assertThat(rec.told).containsExactly(addr + " 200 12 34", addr + " 500 -1 -1");
    // Both profiles holding the same instance still register it once.
    Scheduler both = new Scheduler(new SingleProfileHandler("h"), profiles, SchedulerObserver.NONE);
    rec.told.clear();
    both.responseComplete(c, r, 200, 1, 2);
    assertThat(rec.told).hasSize(1);
  }
}
