package dev.loadfuse.picker.plugins.scorer.runningrequests;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.plugins.scorer.MinMax;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;

/**
 * {@code running-requests-size-scorer}: prefers endpoints running fewer requests (the engine's
 * running count plus unreflected picks, {@link EndpointView#runningDepth}), min-max normalised
 * over the candidates; 1 for all when equal. No parameters.
 */
public final class RunningRequestsSizeScorer extends NamedPlugin implements Scorer {

  public static final String TYPE = "running-requests-size-scorer";

  public RunningRequestsSizeScorer(String name) {
    super(TYPE, name);
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    for (int i = 0; i < count; i++) {
      scores[i] = candidates[i].runningDepth();
    }
    MinMax.lowerIsBetter(scores, count);
  }
}
