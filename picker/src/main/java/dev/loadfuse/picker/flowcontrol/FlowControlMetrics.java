package dev.loadfuse.picker.flowcontrol;

import dev.loadfuse.picker.metrics.ModelLabels;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Flow control's metrics, under both the GIE v1.5 names ({@code inference_extension_flow_control_*})
 * and the llm-d router's ({@code llm_d_epp_flow_control_*}), as the router emits both:
 *
 * <ul>
 *   <li>{@code …_request_queue_duration_seconds{fairness_id,priority,outcome,inference_pool,model_name,target_model_name}}
 *       (histogram: arrival to outcome)
 *   <li>{@code …_queue_size} and {@code …_queue_bytes} {@code {fairness_id,priority,inference_pool,model_name,target_model_name}}
 *   <li>{@code …_pool_saturation{inference_pool}}
 *   <li>{@code llm_d_epp_flow_control_requests_total{outcome,priority,inference_pool}}
 *   <li>{@code …_request_enqueue_duration_seconds{fairness_id,priority,outcome}} (histogram: the
 *       time to let on, refuse or queue an arriving request; {@code NotYetFinalized} when queued)
 *   <li>{@code …_dispatch_cycle_duration_seconds} (histogram: one dispatch decision)
 *   <li>ours: {@code loadfuse_flow_control_stale_dispatch_cycles_total} (dispatch decisions judged
 *       from in-flight counts because every endpoint's metrics were stale)
 * </ul>
 *
 * <p><b>Bounds.</b> Fairness ids become label values for the first {@link #MAX_LABEL_VALUES}
 * distinct ones (and only up to {@link #MAX_LABEL_LENGTH} characters); the rest are counted under
 * {@code other}, as the router does. Model names go through the picker's {@link ModelLabels}.
 */
public final class FlowControlMetrics implements FlowEvents {

  /** Distinct fairness ids, and distinct model names, kept as label values. */
  public static final int MAX_LABEL_VALUES = 1000;
  /** Longer values are counted under {@link #OTHER}. */
  public static final int MAX_LABEL_LENGTH = 256;
  public static final String OTHER = "other";
  /** Label sets (fairness id, priority, model, target model) with series of their own. */
  public static final int MAX_FLOWS = 256;

  private static final List<String> PREFIXES = List.of("inference_extension_", "llm_d_epp_");
  /** The reference's buckets of the enqueue and dispatch-cycle histograms, seconds. */
  private static final double[] CYCLE_BUCKETS = {0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1};
  /** The enqueue histogram's outcome while the request waits (the reference's). */
  public static final String NOT_YET_FINALIZED = "NotYetFinalized";
  private static final double[] QUEUE_BUCKETS =
      {0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};

  private final MeterRegistry registry;
  private final String pool;
  private final LabelSet fairnessIds = new LabelSet();
  private final ModelLabels models;
  private final Set<List<String>> flows = ConcurrentHashMap.newKeySet();
  private final Map<List<String>, Sizes> sizes = new ConcurrentHashMap<>();
  private final Map<List<String>, Finished> finished = new ConcurrentHashMap<>();
  private final AtomicLong saturationMicros = new AtomicLong();
  private final Counter staleCycles;
  private final Timer[] dispatchCycles = new Timer[PREFIXES.size()];
  private final Map<List<String>, Timer[]> enqueues = new ConcurrentHashMap<>();

  /**
   * @param pool the {@code inference_pool} label value
   * @param models the picker's bound on model-name labels (the same names as its other metrics)
   */
  public FlowControlMetrics(MeterRegistry registry, String pool, ModelLabels models) {
    this.registry = registry;
    this.models = models;
    this.pool = pool == null ? "" : pool;
    for (String prefix : PREFIXES) {
      Gauge.builder(prefix + "flow_control_pool_saturation", saturationMicros, a -> a.get() / 1e6)
          .description("Pool saturation as flow control last read it").tag("inference_pool", this.pool)
          .register(registry);
    }
    for (int i = 0; i < dispatchCycles.length; i++) {
      dispatchCycles[i] = Timer.builder(PREFIXES.get(i) + "flow_control_dispatch_cycle_duration")
          .description("Time of one dispatch cycle: read the pool, choose the next request or none")
          .serviceLevelObjectives(PickerMetrics.durations(CYCLE_BUCKETS)).register(registry);
    }
    staleCycles = Counter.builder("loadfuse_flow_control_stale_dispatch_cycles")
        .description("Dispatch decisions judged from in-flight counts because every endpoint's metrics were stale")
        .register(registry);
  }

  /**
   * The labels of {@code r}'s flow: (fairness id, priority, model, target model). Fairness ids and
   * model names multiply, so at most {@link #MAX_FLOWS} such sets get series of their own; later
   * ones share {@code other}. A set once given stays (a request's queue changes land on one series).
   */
  private List<String> flowLabels(SchedulingRequest r) {
    String priority = Integer.toString(r.priority());
    List<String> key = List.of(fairnessIds.label(r.fairnessId()), priority, models.of(r.model()),
        models.of(r.targetModel()));
    if (flows.contains(key)) {
      return key;
    }
    synchronized (flows) {
      if (flows.size() < MAX_FLOWS) {
        flows.add(key);
        return key;
      }
    }
    return List.of(OTHER, priority, OTHER, OTHER);
  }

  @Override
  public void queueChanged(SchedulingRequest r, int requests, long bytes) {
    List<String> key = flowLabels(r);
    Sizes s = sizes.computeIfAbsent(key, this::sizes);
    s.requests.addAndGet(requests);
    s.bytes.addAndGet(bytes);
  }

  @Override
  public void finished(SchedulingRequest r, Outcome outcome, long waitedMillis) {
    List<String> flow = flowLabels(r);
    List<String> key = List.of(flow.get(0), flow.get(1), flow.get(2), flow.get(3), outcome.label());
    Finished f = finished.computeIfAbsent(key, this::finished);
    for (Timer t : f.durations) {
      t.record(waitedMillis, TimeUnit.MILLISECONDS);
    }
    f.requests.increment();
  }

  @Override
  public void enqueued(SchedulingRequest r, Outcome outcome, long nanos) {
    List<String> flow = flowLabels(r);
    List<String> key = List.of(flow.get(0), flow.get(1), outcome == null ? NOT_YET_FINALIZED : outcome.label());
    for (Timer t : enqueues.computeIfAbsent(key, this::enqueueTimers)) {
      t.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public void dispatchCycle(long nanos) {
    for (Timer t : dispatchCycles) {
      t.record(nanos, TimeUnit.NANOSECONDS);
    }
  }

  private Timer[] enqueueTimers(List<String> k) {
    Timer[] out = new Timer[PREFIXES.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = Timer.builder(PREFIXES.get(i) + "flow_control_request_enqueue_duration")
          .description("Time to take a request into flow control: let on, refused or queued")
          .tags("fairness_id", k.get(0), "priority", k.get(1), "outcome", k.get(2))
          .serviceLevelObjectives(PickerMetrics.durations(CYCLE_BUCKETS)).register(registry);
    }
    return out;
  }

  @Override
  public void saturation(double value, boolean stale) {
    saturationMicros.set(Double.isFinite(value) ? Math.round(value * 1e6) : Long.MAX_VALUE);
    if (stale) {
      staleCycles.increment();
    }
  }

  private Sizes sizes(List<String> k) {
    Sizes s = new Sizes(new AtomicLong(), new AtomicLong());
    for (String prefix : PREFIXES) {
      Gauge.builder(prefix + "flow_control_queue_size", s.requests, AtomicLong::get)
          .description("Requests waiting in flow control").tags(tags(k)).register(registry);
      Gauge.builder(prefix + "flow_control_queue_bytes", s.bytes, AtomicLong::get)
          .description("Body bytes of the requests waiting in flow control").tags(tags(k)).register(registry);
    }
    return s;
  }

  private Finished finished(List<String> k) {
    Timer[] durations = new Timer[PREFIXES.size()];
    for (int i = 0; i < durations.length; i++) {
      durations[i] = Timer.builder(PREFIXES.get(i) + "flow_control_request_queue_duration")
          .description("Time from a request's arrival at flow control to its outcome")
          .tags(tags(k.subList(0, 4))).tag("outcome", k.get(4))
          .serviceLevelObjectives(PickerMetrics.durations(QUEUE_BUCKETS)).register(registry);
    }
    Counter requests = Counter.builder("llm_d_epp_flow_control_requests")
        .description("Requests through flow control by outcome")
        .tags("outcome", k.get(4), "priority", k.get(1), "inference_pool", pool).register(registry);
    return new Finished(durations, requests);
  }

  private String[] tags(List<String> k) {
    return new String[] {"fairness_id", k.get(0), "priority", k.get(1), "inference_pool", pool,
        "model_name", k.get(2), "target_model_name", k.get(3)};
  }

  private record Sizes(AtomicLong requests, AtomicLong bytes) {}

  private record Finished(Timer[] durations, Counter requests) {}

  /** The first {@link #MAX_LABEL_VALUES} distinct values; the rest are {@link #OTHER}. */
  private static final class LabelSet {

    private final Map<String, Boolean> known = new ConcurrentHashMap<>();

    String label(String value) {
      if (value == null) {
        return "";
      }
      if (value.length() > MAX_LABEL_LENGTH) {
        return OTHER;
      }
      if (known.containsKey(value)) {
        return value;
      }
      synchronized (this) {
        if (known.size() >= MAX_LABEL_VALUES) {
          return OTHER;
        }
        known.put(value, Boolean.TRUE);
        return value;
      }
    }
  }
}
