package dev.loadfuse.picker.plugins.picker.weightedrandom;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.picker.TopK;
import dev.loadfuse.picker.plugins.picker.TopKPicker;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import java.util.random.RandomGenerator;

/**
 * {@code weighted-random-picker}: candidates drawn at random in proportion to their total score,
 * without replacement (Efraimidis–Spirakis A-Res: key {@code U^(1/score)}, the largest keys win;
 * computed as {@code ln(U)/score}, which orders the same). A candidate scoring 0 is drawn only
 * after every positive one; when all score 0 the draw is uniform. Parameter {@code
 * maxNumOfEndpoints} (default 1).
 */
public final class WeightedRandomPicker extends TopKPicker {

  public static final String TYPE = "weighted-random-picker";

  public WeightedRandomPicker(String name, int maxNumOfEndpoints) {
    super(TYPE, name, maxNumOfEndpoints);
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
