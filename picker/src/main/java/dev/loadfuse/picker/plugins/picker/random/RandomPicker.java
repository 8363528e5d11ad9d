package dev.loadfuse.picker.plugins.picker.random;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.picker.TopK;
import dev.loadfuse.picker.scheduling.Picker;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * {@code random-picker}: candidates uniformly at random, scores ignored. Parameter {@code
 * maxNumOfEndpoints} (default 1).
 */
public final class RandomPicker implements Picker {

  public static final String TYPE = "random-picker";

  private final TypedName typedName;
  private final int maxNumOfEndpoints;

  public RandomPicker(String name, int maxNumOfEndpoints) {
    this.typedName = new TypedName(TYPE, name);
    if (maxNumOfEndpoints < 1) {
      throw new IllegalArgumentException("maxNumOfEndpoints: " + maxNumOfEndpoints + " (expected: >= 1)");
    }
    this.maxNumOfEndpoints = maxNumOfEndpoints;
  }

  public static RandomPicker create(String name, Parameters parameters) {
    return new RandomPicker(name, TopK.maxNumOfEndpoints(parameters));
  }

  @Override
  public TypedName typedName() {
    return typedName;
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
