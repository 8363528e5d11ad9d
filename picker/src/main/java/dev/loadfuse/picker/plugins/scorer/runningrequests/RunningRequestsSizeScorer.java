package dev.loadfuse.picker.plugins.scorer.runningrequests;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.scorer.MinMax;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * {@code running-requests-size-scorer}: prefers endpoints running fewer requests (the engine's
 * running count plus unreflected picks, {@link EndpointView#runningDepth}), min-max normalised
 * over the candidates; 1 for all when equal. No parameters.
 */
public final class RunningRequestsSizeScorer implements Scorer {

  public static final String TYPE = "running-requests-size-scorer";

  private final TypedName typedName;

  public RunningRequestsSizeScorer(String name) {
    this.typedName = new TypedName(TYPE, name);
  }

  public static RunningRequestsSizeScorer create(String name, Parameters parameters) {
    return new RunningRequestsSizeScorer(name);
  }

  @Override
  public TypedName typedName() {
    return typedName;
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    for (int i = 0; i < count; i++) {
      scores[i] = candidates[i].runningDepth();
    }
    MinMax.lowerIsBetter(scores, count);
  }
}
