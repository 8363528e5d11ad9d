package dev.loadfuse.picker.plugins.saturation.utilization;

import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.time.Duration;

/**
 * {@code utilization-detector}: saturation from the engines' own numbers.
 *
 * <p>An endpoint's utilisation is {@code max(queue / queueDepthThreshold, kv /
 * kvCacheUtilThreshold)}, where queue is the engine's waiting count plus the picker's picks not yet
 * reflected in it (see {@link EndpointView}) and kv its KV-cache usage (left out when the engine
 * does not report it). An endpoint whose engine sample is older than {@code
 * metricsStalenessThreshold} (applied to the view's {@link EndpointView#engineAgeMillis(long)}; a
 * sample older than the picker's {@code --metrics-staleness-threshold} is absent for every plugin,
 * so the shorter of the two applies) counts as 1.0, since a server too busy to answer its scrape
 * is often the saturated one. The pool's saturation is the mean over the candidates.
 *
 * <p>As a {@link Filter} it removes endpoints above the thresholds plus {@code headroom} ({@code
 * queue > queueDepthThreshold × (1 + headroom)} or {@code kv > min(1, kvCacheUtilThreshold × (1 +
 * headroom))}) and endpoints with stale metrics; when that would remove every candidate it keeps
 * them all, so the scorers pick the least bad one.
 *
 * <p>Fail-open: when every candidate is stale ({@link SchedulingCycle#failOpen()}, a scrape outage)
 * staleness is not held against anyone: utilisation comes from the last known values plus the
 * picker's unreflected picks (or its in-flight count where nothing was ever known).
 */
public final class UtilizationDetector extends NamedPlugin implements SaturationDetector, Filter {

  public static final String TYPE = "utilization-detector";
  public static final int DEFAULT_QUEUE_DEPTH_THRESHOLD = 5;
  public static final double DEFAULT_KV_CACHE_UTIL_THRESHOLD = 0.8;
  public static final Duration DEFAULT_METRICS_STALENESS_THRESHOLD = Duration.ofMillis(200);
  public static final double DEFAULT_HEADROOM = 0;

  static final String REASON_STALE = "stale";
  static final String REASON_QUEUE = "queue";
  static final String REASON_KV = "kv-cache";

  private final double queueDepthThreshold;
  private final double kvCacheUtilThreshold;
  private final long stalenessMillis;
  private final double headroom;
  private final double maxQueue;
  private final double maxKv;

  public UtilizationDetector(String name, int queueDepthThreshold, double kvCacheUtilThreshold,
      Duration metricsStalenessThreshold, double headroom) {
    super(TYPE, name);
    if (queueDepthThreshold < 1) {
      throw new IllegalArgumentException("queueDepthThreshold: " + queueDepthThreshold + " (expected: >= 1)");
    }
    if (!(kvCacheUtilThreshold > 0 && kvCacheUtilThreshold <= 1)) {
      throw new IllegalArgumentException("kvCacheUtilThreshold: " + kvCacheUtilThreshold + " (expected: (0, 1])");
    }
    if (metricsStalenessThreshold.toMillis() < 1) {
      throw new IllegalArgumentException("metricsStalenessThreshold: " + metricsStalenessThreshold + " (expected: >= 1ms)");
    }
    if (!(headroom >= 0) || Double.isInfinite(headroom)) {
      throw new IllegalArgumentException("headroom: " + headroom + " (expected: >= 0)");
    }
    this.queueDepthThreshold = queueDepthThreshold;
    this.kvCacheUtilThreshold = kvCacheUtilThreshold;
    this.stalenessMillis = metricsStalenessThreshold.toMillis();
    this.headroom = headroom;
    this.maxQueue = queueDepthThreshold * (1 + headroom);
    this.maxKv = Math.min(1.0, kvCacheUtilThreshold * (1 + headroom));
  }

  /** The reference's defaults: 5 waiting, 80 % KV cache, 200 ms, no headroom. */
  public static UtilizationDetector defaults(String name) {
    return new UtilizationDetector(name, DEFAULT_QUEUE_DEPTH_THRESHOLD, DEFAULT_KV_CACHE_UTIL_THRESHOLD,
        DEFAULT_METRICS_STALENESS_THRESHOLD, DEFAULT_HEADROOM);
  }

  public static UtilizationDetector create(String name, Parameters p) {
    int queue = p.integer("queueDepthThreshold", DEFAULT_QUEUE_DEPTH_THRESHOLD, 1, Integer.MAX_VALUE);
    double kv = p.number("kvCacheUtilThreshold", DEFAULT_KV_CACHE_UTIL_THRESHOLD, 0, true, 1);
    Duration stale = p.duration("metricsStalenessThreshold", DEFAULT_METRICS_STALENESS_THRESHOLD);
    double headroom = p.number("headroom", DEFAULT_HEADROOM, 0, false, Double.MAX_VALUE);
    return new UtilizationDetector(name, queue, kv, stale, headroom);
  }

  public double queueDepthThreshold() {
    return queueDepthThreshold;
  }

  public double kvCacheUtilThreshold() {
    return kvCacheUtilThreshold;
  }

  public long metricsStalenessMillis() {
    return stalenessMillis;
  }

  public double headroom() {
    return headroom;
  }

  @Override
  public double saturation(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    if (count == 0) {
      return 1.0;
    }
    boolean failOpen = cycle.failOpen();
    long now = cycle.nowMillis();
    double sum = 0;
    for (int i = 0; i < count; i++) {
      EndpointView e = candidates[i];
      double queue = queue(e, now, failOpen);
      if (Double.isNaN(queue)) {
        sum += 1.0;
        continue;
      }
      double u = queue / queueDepthThreshold;
      double kv = e.kvCacheUsage();
      if (!Double.isNaN(kv)) {
        u = Math.max(u, kv / kvCacheUtilThreshold);
      }
      sum += u;
    }
    return sum / count;
  }

  @Override
  public int filter(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    boolean failOpen = cycle.failOpen();
    long now = cycle.nowMillis();
    int kept = 0;
    int staleCount = 0;
    int queueCount = 0;
    int kvCount = 0;
    // First pass only counts, so that "every candidate over the limit" can keep the array intact.
    for (int i = 0; i < count; i++) {
      EndpointView e = candidates[i];
      double queue = queue(e, now, failOpen);
      if (Double.isNaN(queue)) {
        staleCount++;
      } else if (queue > maxQueue) {
        queueCount++;
      } else if (e.kvCacheUsage() > maxKv) {
        kvCount++;
      } else {
        kept++;
      }
    }
    if (kept == 0) {
      if (count > 0) {
        cycle.events().keptAll(typedName(), count);
      }
      return count;
    }
    if (kept == count) {
      return count;
    }
    int n = 0;
    for (int i = 0; i < count; i++) {
      EndpointView e = candidates[i];
      double queue = queue(e, now, failOpen);
      if (!Double.isNaN(queue) && queue <= maxQueue && !(e.kvCacheUsage() > maxKv)) {
        candidates[n++] = e;
      }
    }
    report(cycle, REASON_STALE, staleCount);
    report(cycle, REASON_QUEUE, queueCount);
    report(cycle, REASON_KV, kvCount);
    return n;
  }

  private void report(SchedulingCycle cycle, String reason, int n) {
    if (n > 0) {
      cycle.events().filtered(typedName(), reason, n);
    }
  }

  /**
   * The view's queue depth (waiting plus unreflected picks); NaN when the waiting count is absent,
   * or older than this detector's own threshold, unless failing open (then the view's fallback,
   * the in-flight count, where nothing was ever known).
   */
  private double queue(EndpointView e, long nowMillis, boolean failOpen) {
    if (failOpen) {
      return e.queueDepth();
    }
    return Double.isNaN(e.waitingRequests()) || e.engineAgeMillis(nowMillis) > stalenessMillis ? Double.NaN
        : e.queueDepth();
  }
}
