package dev.loadfuse.picker.plugins.scorer.gpuutilization;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.plugins.filter.gpuhealth.GpuHealthFilter;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.Parameters;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.List;

/**
 * {@code gpu-utilization-scorer}: prefers idle GPUs, score = 1 − SM utilisation of the endpoint's
 * busiest GPU (NVML's fraction of the last sample period in which a kernel ran). An endpoint
 * without utilisation readings (none at all, MIG instances, or readings older than the staleness
 * threshold) scores {@value #NEUTRAL}. No parameters.
 */
public final class GpuUtilizationScorer implements Scorer {

  public static final String TYPE = "gpu-utilization-scorer";
  public static final double NEUTRAL = 0.5;

  private final TypedName typedName;

  public GpuUtilizationScorer(String name) {
    this.typedName = new TypedName(TYPE, name);
  }

  public static GpuUtilizationScorer create(String name, Parameters parameters) {
    return new GpuUtilizationScorer(name);
  }

  @Override
  public TypedName typedName() {
    return typedName;
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointState[] candidates, int count, double[] scores) {
    for (int i = 0; i < count; i++) {
      scores[i] = idleFraction(candidates[i].vector(), cycle);
    }
  }

  private static double idleFraction(LoadVector v, SchedulingCycle cycle) {
    if (v == null || v.gpus().isEmpty() || !GpuHealthFilter.fresh(v, cycle)) {
      return NEUTRAL;
    }
    List<GpuSample> gpus = v.gpus();
    double max = Double.NaN;
    for (int g = 0; g < gpus.size(); g++) {
      GpuSample s = gpus.get(g);
      if (s.gpuUtilization().isPresent()) {
        double u = s.gpuUtilization().getAsDouble();
        max = Double.isNaN(max) ? u : Math.max(max, u);
      }
    }
    return Double.isNaN(max) ? NEUTRAL : 1 - max;
  }
}
