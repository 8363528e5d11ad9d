package dev.loadfuse.picker.plugins.scorer.gpumemory;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.picker.plugins.scorer.GpuScorer;

/**
 * {@code gpu-memory-headroom-scorer}: prefers endpoints with free GPU memory, score = free / total
 * memory of the endpoint's fullest GPU (with tensor parallelism the fullest GPU is the one that
 * runs out first). An endpoint without GPU memory readings, or with readings older than the
 * staleness threshold, scores {@value GpuScorer#NEUTRAL}. No parameters.
 */
public final class GpuMemoryHeadroomScorer extends GpuScorer {

  public static final String TYPE = "gpu-memory-headroom-scorer";

  public GpuMemoryHeadroomScorer(String name) {
    super(TYPE, name);
  }

  @Override
  protected double gpuScore(GpuSample s) {
    if (s.memoryFreeBytes().isEmpty() || s.memoryTotalBytes().isEmpty() || s.memoryTotalBytes().getAsLong() <= 0) {
      return Double.NaN;
    }
    return (double) s.memoryFreeBytes().getAsLong() / s.memoryTotalBytes().getAsLong();
  }
}
