package dev.loadfuse.picker.plugins.scorer;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;
import java.util.List;

/**
 * A scorer that rates each GPU of an endpoint and gives the endpoint its worst GPU's score: with
 * tensor parallelism the endpoint is as fast as its slowest, fullest GPU. An endpoint without a
 * rating for any of its GPUs (no GPU readings, a reading the GPU does not support, or readings
 * older than the staleness threshold) scores {@value #NEUTRAL}.
 */
public abstract class GpuScorer extends NamedPlugin implements Scorer {

  public static final double NEUTRAL = 0.5;

  protected GpuScorer(String type, String name) {
    super(type, name);
  }

  /** This GPU's score in [0, 1], or {@link Double#NaN} when its readings do not tell. */
  protected abstract double gpuScore(GpuSample gpu);

  @Override
  public final void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    for (int i = 0; i < count; i++) {
      scores[i] = worstGpu(candidates[i].gpus());
    }
  }

  /** {@code gpus} is empty when the endpoint has no readings or they are stale. */
  private double worstGpu(List<GpuSample> gpus) {
    if (gpus.isEmpty()) {
      return NEUTRAL;
    }
    double min = Double.NaN;
    for (int g = 0; g < gpus.size(); g++) {
      double s = gpuScore(gpus.get(g));
      if (!Double.isNaN(s)) {
        min = Double.isNaN(min) ? s : Math.min(min, s);
      }
    }
    return Double.isNaN(min) ? NEUTRAL : min;
  }
}
