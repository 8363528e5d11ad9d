package dev.loadfuse.picker.plugins.scorer.gpuutilization;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.picker.plugins.scorer.GpuScorer;

/**
 * {@code gpu-utilization-scorer}: prefers idle GPUs, score = 1 − SM utilisation of the endpoint's
 * busiest GPU (NVML's fraction of the last sample period in which a kernel ran). An endpoint
 * without utilisation readings (none at all, MIG instances, or readings older than the staleness
 * threshold) scores {@value GpuScorer#NEUTRAL}. No parameters.
 */
public final class GpuUtilizationScorer extends GpuScorer {

  public static final String TYPE = "gpu-utilization-scorer";

  public GpuUtilizationScorer(String name) {
    super(TYPE, name);
  }

  @Override
  protected double gpuScore(GpuSample s) {
    return s.gpuUtilization().isPresent() ? 1 - s.gpuUtilization().getAsDouble() : Double.NaN;
  }
}
