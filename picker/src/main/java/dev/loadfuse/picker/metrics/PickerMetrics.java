package dev.loadfuse.picker.metrics;

import dev.loadfuse.picker.candidate.StalenessPolicy;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.scheduling.SchedulerObserver;
import dev.loadfuse.picker.scheduling.SchedulingEvents;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.sidecar.api.LoadVector;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The picker's Prometheus metrics, named as the reference endpoint picker names them:
 *
 * <ul>
 *   <li>{@code inference_objective_request_total{model_name,target_model_name}}
 *   <li>{@code inference_objective_request_error_total{model_name,target_model_name,error_code}}
 *   <li>{@code inference_objective_request_duration_seconds{model_name,target_model_name}} (histogram)
 *   <li>{@code inference_objective_input_tokens}, {@code ..._output_tokens} (histograms, same labels)
 *   <li>{@code inference_objective_running_requests{model_name}}
 *   <li>{@code inference_pool_ready_pods{name}}, {@code inference_pool_average_kv_cache_utilization{name}},
 *       {@code inference_pool_average_queue_size{name}}, {@code
 *       inference_pool_per_pod_queue_size{model_server_pod,name}} (endpoints with fresh metrics)
 *   <li>{@code inference_extension_scheduler_e2e_duration_seconds} (histogram)
 *   <li>{@code inference_extension_plugin_duration_seconds{extension_point,plugin_type,plugin_name}}
 *   <li>{@code inference_extension_prefix_indexer_hit_ratio} (histogram, with a prefix-cache-scorer)
 * </ul>
 *
 * <p>and ours: {@code loadfuse_picker_endpoints_filtered_total{filter,filter_type,reason}}, {@code
 * loadfuse_picker_filter_kept_all_total{filter,filter_type}} (a filter would have removed every
 * endpoint and kept them all), {@code loadfuse_picker_fail_open} (1 while every endpoint's metrics
 * are stale), {@code loadfuse_picker_fail_open_decisions_total}, {@code
 * loadfuse_picker_shed_requests_total{model_name,target_model_name}} and {@code
 * loadfuse_picker_added_latency_seconds} (histogram; see {@link #addedLatency}).
 *
 * <p>Model names become labels through {@link ModelLabels}: known names and the first 1,000 others
 * as they are, the rest (and names over 256 characters) as {@code other}.
 *
 * <p>Meters per (model, target) pair are created once and cached, so recording on the request
 * path is a map lookup and an update. Thread-safe.
 */
public final class PickerMetrics implements SchedulerObserver, SchedulingEvents {

  /** The error code of responses whose {@code :status} is not 200. */
  public static final String MODEL_SERVER_ERROR = "ModelServerError";

  private static final double[] DURATION_BUCKETS = {0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5,
      2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600};
  private static final double[] TOKEN_BUCKETS = {1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384,
      32768, 65536, 131072, 262144, 524288, 1048576};
  private static final double[] SCHEDULER_BUCKETS = {0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1};
  /** Fine around 1 ms, the figure a gateway operator compares with the upstream's own latency. */
  private static final double[] ADDED_LATENCY_BUCKETS = {0.00005, 0.0001, 0.0002, 0.0003, 0.0004, 0.0005, 0.0006,
      0.0007, 0.0008, 0.0009, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 1};
  private static final double[] PLUGIN_BUCKETS = {0.00001, 0.00002, 0.00005, 0.0001, 0.0002, 0.0005, 0.001, 0.002,
      0.005, 0.01, 0.02, 0.05, 0.1};

  private final PrometheusMeterRegistry registry;
  private final ModelLabels modelLabels = new ModelLabels();
  private final Map<ModelPair, Meters> meters = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
  private final Map<String, Counter> errors = new ConcurrentHashMap<>();
  private final Timer schedulerE2e;
  private final Map<String, Counter> filtered = new ConcurrentHashMap<>();
  private final Map<String, Counter> keptAll = new ConcurrentHashMap<>();
  private final Map<String, Counter> shed = new ConcurrentHashMap<>();
  private final Counter failOpenDecisions;
  private final Timer addedLatency;
  private final List<Runnable> beforeScrape = new CopyOnWriteArrayList<>();

  public PickerMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public PickerMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    this.schedulerE2e = Timer.builder("inference_extension_scheduler_e2e_duration")
        .description("End-to-end scheduling latency distribution in seconds")
        .serviceLevelObjectives(durations(SCHEDULER_BUCKETS))
        .register(registry);
    this.failOpenDecisions = Counter.builder("loadfuse_picker_fail_open_decisions")
        .description("Scheduling decisions made while every candidate's metrics were stale (routed on the last known"
            + " values and in-flight counts instead of failing closed)")
        .register(registry);
    this.addedLatency = Timer.builder("loadfuse_picker_added_latency")
        .description("Time the picker held each routed request: from reading the ext_proc message that completed"
            + " it (the body's last chunk, or headers or trailers that end it) to its routed answer handed to the"
            + " transport, in seconds")
        .serviceLevelObjectives(durations(ADDED_LATENCY_BUCKETS))
        .register(registry);
  }

  /**
   * Records one routed request's {@code loadfuse_picker_added_latency_seconds}: what the picker adds to
   * the request's path once Envoy has sent all it needs (parsing, admission, scheduling, queueing
   * behind other work on the event loop, building the answer), as opposed to the scheduler's share of
   * it in {@code inference_extension_scheduler_e2e_duration_seconds}.
   */
  public void addedLatency(long nanos) {
    addedLatency.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** How model names become labels ({@link ModelLabels}): every method here that takes a model name maps it. */
  public ModelLabels modelLabels() {
    return modelLabels;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The exposition text for {@code GET /metrics}. */
  public String scrape() {
    for (Runnable r : beforeScrape) {
      r.run();
    }
    return registry.scrape();
  }

  /** Publishes {@code inference_pool_ready_pods{name=pool}} from {@code readyPods}. */
  public void pool(String pool, Supplier<Number> readyPods) {
    Gauge.builder("inference_pool_ready_pods", readyPods)
        .description("The number of ready pods in the inference server pool")
        .tag("name", pool)
        .register(registry);
  }

  /**
   * Publishes the pool gauges of {@code datastore}'s routable endpoints: ready pods, average KV-cache
   * usage and queue size and the per-pod queue sizes (over endpoints whose metrics are fresher than
   * {@code staleAfterMillis}), and whether the picker fails open (every endpoint stale). Computed
   * when scraped.
   */
  public void pool(String pool, Datastore datastore, long staleAfterMillis) {
    StalenessPolicy policy = new StalenessPolicy(staleAfterMillis);
    pool(pool, () -> datastore.routable().length);
    Gauge.builder("inference_pool_average_kv_cache_utilization", () -> average(datastore, policy, true))
        .description("The average kv cache utilization for an inference server pool")
        .tag("name", pool)
        .register(registry);
    Gauge.builder("inference_pool_average_queue_size", () -> average(datastore, policy, false))
        .description("The average number of requests pending in the model server queue")
        .tag("name", pool)
        .register(registry);
    Gauge.builder("loadfuse_picker_fail_open", () -> {
          EndpointState[] eps = datastore.routable();
          return policy.allStale(eps, eps.length, System.currentTimeMillis()) ? 1 : 0;
        })
        .description("1 while every endpoint's metrics are stale and the picker routes on the last known values"
            + " and its in-flight counts (fail-open), else 0")
        .register(registry);
    MultiGauge perPod = MultiGauge.builder("inference_pool_per_pod_queue_size")
        .description("The total number of requests pending in the model server queue for each underlying pod")
        .register(registry);
    beforeScrape.add(() -> {
      long now = System.currentTimeMillis();
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      for (EndpointState e : datastore.routable()) {
        LoadVector v = e.vector();
        double w = policy.engineFresh(v, now) ? v.waitingRequests() : Double.NaN;
        if (!Double.isNaN(w)) {
          rows.add(MultiGauge.Row.of(Tags.of("model_server_pod", e.id().name(), "name", pool), w));
        }
      }
      perPod.register(rows, true);
    });
  }

  /** Mean KV usage (or waiting count) over the routable endpoints with fresh metrics; 0 for none. */
  private static double average(Datastore datastore, StalenessPolicy policy, boolean kv) {
    long now = System.currentTimeMillis();
    double sum = 0;
    int n = 0;
    for (EndpointState e : datastore.routable()) {
      LoadVector vector = e.vector();
      if (!policy.engineFresh(vector, now)) {
        continue;
      }
      double v = kv ? vector.kvCacheUsage() : vector.waitingRequests();
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? 0 : sum / n;
  }

  /** Counts one decision made in fail-open mode. */
  public void failOpenDecision() {
    failOpenDecisions.increment();
  }

  /** Counts one sheddable request refused because the pool was saturated. */
  public void shed(String rawModel, String rawTarget) {
    String model = modelLabels.of(rawModel);
    String targetModel = modelLabels.of(rawTarget);
    shed.computeIfAbsent(model + '\u0000' + targetModel, k ->
        Counter.builder("loadfuse_picker_shed_requests")
            .description("Sheddable requests (priority < 0) refused with 429 while the pool was saturated")
            .tags("model_name", model, "target_model_name", targetModel)
            .register(registry)).increment();
  }

  @Override
  public void filtered(TypedName filter, String reason, int endpoints) {
    filtered.computeIfAbsent(filter.name() + '\u0000' + reason, k ->
        Counter.builder("loadfuse_picker_endpoints_filtered")
            .description("Candidate endpoints a filter removed, by filter and reason")
            .tags("filter", filter.name(), "filter_type", filter.type(), "reason", reason)
            .register(registry)).increment(endpoints);
  }

  @Override
  public void keptAll(TypedName filter, int endpoints) {
    keptAll.computeIfAbsent(filter.name(), k ->
        Counter.builder("loadfuse_picker_filter_kept_all")
            .description("Decisions in which a filter would have removed every candidate and kept them all instead")
            .tags("filter", filter.name(), "filter_type", filter.type())
            .register(registry)).increment();
  }

  /** The meters of one (model, target model) pair. */
  public Meters meters(String model, String targetModel) {
    return meters.computeIfAbsent(new ModelPair(modelLabels.of(model), modelLabels.of(targetModel)), this::create);
  }

  /** One error of the pair, with the reference's error code ({@code BadRequest}, ...). */
  public void error(String rawModel, String rawTarget, String errorCode) {
    String model = modelLabels.of(rawModel);
    String targetModel = modelLabels.of(rawTarget);
    errors.computeIfAbsent(model + '\u0000' + targetModel + '\u0000' + errorCode, k ->
        Counter.builder("inference_objective_request_error")
            .description("Counter of inference objective requests errors broken out for each model and target model")
            .tags("model_name", model, "target_model_name", targetModel, "error_code", errorCode)
            .register(registry)).increment();
  }

  /** The running-requests gauge of a model. */
  public AtomicInteger running(String model) {
    return running.computeIfAbsent(modelLabels.of(model), m -> {
      AtomicInteger n = new AtomicInteger();
      Gauge.builder("inference_objective_running_requests", n, AtomicInteger::get)
          .description("Inference objective number of running requests in each model")
          .tag("model_name", m)
          .register(registry);
      return n;
    });
  }

  private Meters create(ModelPair p) {
    String[] tags = {"model_name", p.model(), "target_model_name", p.target()};
    return new Meters(
        Counter.builder("inference_objective_request")
            .description("Counter of inference objective requests broken out for each model and target model")
            .tags(tags).register(registry),
        Timer.builder("inference_objective_request_duration")
            .description("Inference objective response latency distribution in seconds for each model and target model")
            .tags(tags).serviceLevelObjectives(durations(DURATION_BUCKETS)).register(registry),
        DistributionSummary.builder("inference_objective_input_tokens")
            .description("Inference objective input token count distribution for requests in each model")
            .tags(tags).serviceLevelObjectives(TOKEN_BUCKETS).register(registry),
        DistributionSummary.builder("inference_objective_output_tokens")
            .description("Inference objective output token count distribution for requests in each model")
            .tags(tags).serviceLevelObjectives(TOKEN_BUCKETS).register(registry));
  }

  @Override
  public Recorder plugin(String extensionPoint, TypedName plugin) {
    Timer t = Timer.builder("inference_extension_plugin_duration")
        .description("Plugin processing latency distribution in seconds for each extension point, plugin type and plugin name")
        .tags("extension_point", extensionPoint, "plugin_type", plugin.type(), "plugin_name", plugin.name())
        .serviceLevelObjectives(durations(PLUGIN_BUCKETS))
        .register(registry);
    return nanos -> t.record(nanos, TimeUnit.NANOSECONDS);
  }

  @Override
  public Recorder decision() {
    return nanos -> schedulerE2e.record(nanos, TimeUnit.NANOSECONDS);
  }

  // ---- prefix-cache-scorer ----

  private static final double[] HIT_RATIO_BUCKETS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1};

  /**
   * The recorder of {@code inference_extension_prefix_indexer_hit_ratio} (histogram): per scored
   * prompt, the longest prefix any candidate holds over the prompt's blocks, in [0, 1].
   */
  public java.util.function.DoubleConsumer prefixIndexerHitRatio() {
    DistributionSummary s = DistributionSummary.builder("inference_extension_prefix_indexer_hit_ratio")
        .description("Ratio of prefix length matched to total prefix length in the cache lookup")
        .serviceLevelObjectives(HIT_RATIO_BUCKETS)
        .register(registry);
    return s::record;
  }

  /** Histogram bucket bounds in seconds as the durations Micrometer takes. */
  public static Duration[] durations(double[] seconds) {
    Duration[] d = new Duration[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      d[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
    }
    return d;
  }

  private record ModelPair(String model, String target) {}

  /** The per-pair meters. */
  public record Meters(Counter requests, Timer duration, DistributionSummary inputTokens, DistributionSummary outputTokens) {}
}
