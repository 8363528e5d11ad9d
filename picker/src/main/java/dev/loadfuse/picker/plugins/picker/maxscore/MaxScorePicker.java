package dev.loadfuse.picker.plugins.picker.maxscore;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.picker.TopK;
import dev.loadfuse.picker.scheduling.Picker;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * {@code max-score-picker}: the candidates with the highest total score, best first, ties broken
 * at random. Parameter {@code maxNumOfEndpoints} (default 1): how many to return; the ones after
 * the first are fallbacks.
 */
public final class MaxScorePicker implements Picker {

  public static final String TYPE = "max-score-picker";

  private final TypedName typedName;
  private final int maxNumOfEndpoints;

  public MaxScorePicker(String name, int maxNumOfEndpoints) {
    this.typedName = new TypedName(TYPE, name);
    if (maxNumOfEndpoints < 1) {
      throw new IllegalArgumentException("maxNumOfEndpoints: " + maxNumOfEndpoints + " (expected: >= 1)");
    }
    this.maxNumOfEndpoints = maxNumOfEndpoints;
  }

  public static MaxScorePicker create(String name, Parameters parameters) {
    return new MaxScorePicker(name, TopK.maxNumOfEndpoints(parameters));
  }

  @Override
  public TypedName typedName() {
    return typedName;
  }

  public int maxNumOfEndpoints() {
    return maxNumOfEndpoints;
  }

  @Override
  public int pick(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] totalScores, int[] chosen) {
    if (count == 0) {
      return 0;
    }
    return TopK.largest(totalScores, count, maxNumOfEndpoints, chosen, cycle.random());
  }
}
