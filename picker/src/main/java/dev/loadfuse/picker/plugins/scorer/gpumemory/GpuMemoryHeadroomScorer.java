package dev.loadfuse.picker.plugins.scorer.gpumemory;

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
 * {@code gpu-memory-headroom-scorer}: prefers endpoints with free GPU memory, score = free / total
 * memory of the endpoint's fullest GPU (with tensor parallelism the fullest GPU is the one that
 * runs out first). An endpoint without GPU memory readings, or with readings older than the
 * staleness threshold, scores {@value #NEUTRAL}. No parameters.
 */
public final class GpuMemoryHeadroomScorer implements Scorer {

  public static final String TYPE = "gpu-memory-headroom-scorer";
  public static final double NEUTRAL = 0.5;

  private final TypedName typedName;

  public GpuMemoryHeadroomScorer(String name) {
    this.typedName = new TypedName(TYPE, name);
  }

  public static GpuMemoryHeadroomScorer create(String name, Parameters parameters) {
    return new GpuMemoryHeadroomScorer(name);
  }

  @Override
  public TypedName typedName() {
    return typedName;
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointState[] candidates, int count, double[] scores) {
    for (int i = 0; i < count; i++) {
      scores[i] = freeFraction(candidates[i].vector(), cycle);
    }
  }

  private static double freeFraction(LoadVector v, SchedulingCycle cycle) {
    if (v == null || v.gpus().isEmpty() || !GpuHealthFilter.fresh(v, cycle)) {
      return NEUTRAL;
    }
    List<GpuSample> gpus = v.gpus();
    double min = Double.NaN;
    for (int g = 0; g < gpus.size(); g++) {
      GpuSample s = gpus.get(g);
      if (s.memoryFreeBytes().isEmpty() || s.memoryTotalBytes().isEmpty() || s.memoryTotalBytes().getAsLong() <= 0) {
        continue;
      }
      double f = (double) s.memoryFreeBytes().getAsLong() / s.memoryTotalBytes().getAsLong();
      min = Double.isNaN(min) ? f : Math.min(min, f);
    }
    return Double.isNaN(min) ? NEUTRAL : min;
  }
}
