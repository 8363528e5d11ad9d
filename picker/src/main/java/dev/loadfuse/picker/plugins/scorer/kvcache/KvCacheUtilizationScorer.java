package dev.loadfuse.picker.plugins.scorer.kvcache;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;

/**
 * {@code kv-cache-utilization-scorer}: prefers free KV cache, score {@code 1 - kvCacheUsage}. An
 * endpoint whose usage is absent or stale scores {@value #ABSENT_SCORE}, neither preferred nor
 * avoided. No parameters.
 */
public final class KvCacheUtilizationScorer extends NamedPlugin implements Scorer {

  public static final String TYPE = "kv-cache-utilization-scorer";
  public static final double ABSENT_SCORE = 0.5;

  public KvCacheUtilizationScorer(String name) {
    super(TYPE, name);
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    for (int i = 0; i < count; i++) {
      double kv = candidates[i].kvCacheUsage();
      scores[i] = Double.isNaN(kv) ? ABSENT_SCORE : 1 - kv;
    }
  }
}
