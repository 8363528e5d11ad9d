package dev.loadfuse.picker.plugins.picker.maxscore;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.picker.TopK;
import dev.loadfuse.picker.plugins.picker.TopKPicker;
import dev.loadfuse.picker.scheduling.SchedulingCycle;

/**
 * {@code max-score-picker}: the candidates with the highest total score, best first, ties broken
 * at random. Parameter {@code maxNumOfEndpoints} (default 1): how many to return; the ones after
 * the first are fallbacks.
 */
public final class MaxScorePicker extends TopKPicker {

  public static final String TYPE = "max-score-picker";

  public MaxScorePicker(String name, int maxNumOfEndpoints) {
    super(TYPE, name, maxNumOfEndpoints);
  }

  @Override
  public int pick(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] totalScores, int[] chosen) {
    if (count == 0) {
      return 0;
    }
    return TopK.largest(totalScores, count, maxNumOfEndpoints, chosen, cycle.random());
  }
}
