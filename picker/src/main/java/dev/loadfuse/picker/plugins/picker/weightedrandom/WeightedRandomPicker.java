package dev.loadfuse.picker.plugins.picker.weightedrandom;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.picker.TopK;
import dev.loadfuse.picker.scheduling.Picker;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.util.random.RandomGenerator;

/**
 * {@code weighted-random-picker}: candidates drawn at random in proportion to their total score,
 * without replacement (Efraimidis–Spirakis A-Res: key {@code U^(1/score)}, the largest keys win;
 * computed as {@code ln(U)/score}, which orders the same). A candidate scoring 0 is drawn only
 * after every positive one; when all score 0 the draw is uniform. Parameter {@code
 * maxNumOfEndpoints} (default 1).
 */
public final class WeightedRandomPicker implements Picker {

  public static final String TYPE = "weighted-random-picker";

  private final TypedName typedName;
  private final int maxNumOfEndpoints;

  public WeightedRandomPicker(String name, int maxNumOfEndpoints) {
    this.typedName = new TypedName(TYPE, name);
    if (maxNumOfEndpoints < 1) {
      throw new IllegalArgumentException("maxNumOfEndpoints: " + maxNumOfEndpoints + " (expected: >= 1)");
    }
    this.maxNumOfEndpoints = maxNumOfEndpoints;
  }

  public static WeightedRandomPicker create(String name, Parameters parameters) {
    return new WeightedRandomPicker(name, TopK.maxNumOfEndpoints(parameters));
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
    RandomGenerator random = cycle.random();
    double[] keys = new double[count];
    for (int i = 0; i < count; i++) {
      double w = totalScores[i];
      // U in (0, 1]: ln(U) <= 0, so a larger weight gives a key closer to 0.
      keys[i] = w > 0 ? Math.log(1.0 - random.nextDouble()) / w : Double.NEGATIVE_INFINITY;
    }
    return TopK.largest(keys, count, maxNumOfEndpoints, chosen, random);
  }
}
