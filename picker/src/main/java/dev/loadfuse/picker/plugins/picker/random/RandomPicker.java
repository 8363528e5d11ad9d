package dev.loadfuse.picker.plugins.picker.random;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.picker.TopK;
import dev.loadfuse.picker.plugins.picker.TopKPicker;
import dev.loadfuse.picker.scheduling.SchedulingCycle;

/**
 * {@code random-picker}: candidates uniformly at random, scores ignored. Parameter {@code
 * maxNumOfEndpoints} (default 1).
 */
public final class RandomPicker extends TopKPicker {

  public static final String TYPE = "random-picker";

  public RandomPicker(String name, int maxNumOfEndpoints) {
    super(TYPE, name, maxNumOfEndpoints);
  }

  @Override
  public int pick(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] totalScores, int[] chosen) {
    if (count == 0) {
      return 0;
    }
    int k = Math.min(maxNumOfEndpoints, count);
    if (k == 1) {
      chosen[0] = cycle.random().nextInt(count);
      return 1;
    }
    TopK.shuffle(chosen, count, cycle.random());
    return k;
  }
}
