package dev.loadfuse.picker.plugins.scorer.kvcache;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * {@code kv-cache-utilization-scorer}: prefers free KV cache, score {@code 1 - kvCacheUsage}. An
 * endpoint whose usage is absent or stale scores {@value #ABSENT_SCORE}, neither preferred nor
 * avoided. No parameters.
 */
public final class KvCacheUtilizationScorer implements Scorer {

  public static final String TYPE = "kv-cache-utilization-scorer";
  public static final double ABSENT_SCORE = 0.5;

  private final TypedName typedName;

  public KvCacheUtilizationScorer(String name) {
    this.typedName = new TypedName(TYPE, name);
  }

  public static KvCacheUtilizationScorer create(String name, Parameters parameters) {
    return new KvCacheUtilizationScorer(name);
  }

  @Override
  public TypedName typedName() {
    return typedName;
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    for (int i = 0; i < count; i++) {
      double kv = candidates[i].kvCacheUsage();
      scores[i] = Double.isNaN(kv) ? ABSENT_SCORE : 1 - kv;
    }
  }
}
