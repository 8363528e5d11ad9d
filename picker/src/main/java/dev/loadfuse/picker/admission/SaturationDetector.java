package dev.loadfuse.picker.admission;

import dev.loadfuse.picker.datastore.EndpointState;

/**
 * Whether the pool is saturated, as the reference's {@code utilization-detector} decides: the mean
 * over the candidate endpoints of {@code max(queue / queueDepthThreshold, kvUsage /
 * kvCacheUtilThreshold)}, where an endpoint without fresh metrics counts as 1.0; saturated when
 * that mean is at least 1. Sheddable requests (priority below 0) are refused with 429 while the
 * pool is saturated. Immutable and thread-safe.
 */
public final class SaturationDetector {

  public static final double DEFAULT_QUEUE_DEPTH_THRESHOLD = 5;
  public static final double DEFAULT_KV_CACHE_UTIL_THRESHOLD = 0.8;

  private final double queueDepthThreshold;
  private final double kvCacheUtilThreshold;

  public SaturationDetector(double queueDepthThreshold, double kvCacheUtilThreshold) {
    if (!(queueDepthThreshold > 0) || !(kvCacheUtilThreshold > 0)) {
      throw new IllegalArgumentException("thresholds must be > 0");
    }
    this.queueDepthThreshold = queueDepthThreshold;
    this.kvCacheUtilThreshold = kvCacheUtilThreshold;
  }

  public static SaturationDetector defaults() {
    return new SaturationDetector(DEFAULT_QUEUE_DEPTH_THRESHOLD, DEFAULT_KV_CACHE_UTIL_THRESHOLD);
  }

  /** The mean utilisation of {@code candidates[0..count)}; 1.0 for none. */
  public double utilization(EndpointState[] candidates, int count, long nowMillis, long staleAfterMillis) {
    if (count == 0) {
      return 1.0;
    }
    double sum = 0;
    for (int i = 0; i < count; i++) {
      EndpointState e = candidates[i];
      double w = e.waitingRequests(nowMillis, staleAfterMillis);
      if (Double.isNaN(w)) {
        sum += 1.0;
        continue;
      }
      double u = (w + e.unreflected()) / queueDepthThreshold;
      double kv = e.kvCacheUsage(nowMillis, staleAfterMillis);
      if (!Double.isNaN(kv)) {
        u = Math.max(u, kv / kvCacheUtilThreshold);
      }
      sum += u;
    }
    return sum / count;
  }

  public boolean saturated(EndpointState[] candidates, int count, long nowMillis, long staleAfterMillis) {
    return utilization(candidates, count, nowMillis, staleAfterMillis) >= 1.0;
  }
}
