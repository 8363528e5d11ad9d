package dev.loadfuse.picker.metrics;

import dev.loadfuse.picker.candidate.StalenessPolicy;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.scheduling.SchedulerObserver;
import dev.loadfuse.picker.scheduling.SchedulingEvents;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.sidecar.api.EndpointId;
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
  /** The {@code commit} and {@code build_ref} labels of the info gauges: the package's implementation version. */
  static final String BUILD_REF = java.util.Objects.requireNonNullElse(
      PickerMetrics.class.getPackage().getImplementationVersion(), "dev");
  static final String BUILD_COMMIT = "unknown";
  private static final double[] REQUEST_SIZE_BUCKETS = {64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768,
      65536, 131072, 262144, 524288, 1048576, 2097152, 4194304, 8388608, 16777216, 33554432, 67108864, 134217728,
      268435456, 536870912, 1073741824};
  private static final double[] OUTPUT_TOKEN_BUCKETS = {1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192};
  private static final double[] NTPOT_BUCKETS = {0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10};
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
  /** At most this many label sets of the scheduler attempts, and of the rewrite decisions. */
  static final int MAX_DECISION_SERIES = 4096;
  private final Map<String, Counter[]> attempts = new ConcurrentHashMap<>();
  private final Map<String, Counter[]> rewrites = new ConcurrentHashMap<>();
  private volatile String namespace = "";
  private final Map<RequestClass, Meters> meters = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> running = new ConcurrentHashMap<>();
  private final Map<String, Counter[]> errors = new ConcurrentHashMap<>();
  private final LabelCap fairness = new LabelCap();
  private final Timer schedulerE2e;
  private final Timer schedulerE2eNew;
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
        .description("[Deprecated: Use llm_d_epp_scheduler_e2e_duration_seconds] End-to-end scheduling latency"
            + " distribution in seconds")
        .serviceLevelObjectives(durations(SCHEDULER_BUCKETS))
        .register(registry);
    this.schedulerE2eNew = Timer.builder("llm_d_epp_scheduler_e2e_duration")
        .description("End-to-end scheduling latency distribution in seconds")
        .serviceLevelObjectives(durations(SCHEDULER_BUCKETS))
        .register(registry);
    // Micrometer would drop the "_info" suffix of a gauge: registered on the Prometheus registry beneath.
    for (String info : List.of("inference_extension_info", "llm_d_epp_info")) {
      io.prometheus.metrics.core.metrics.Info.builder().name(info)
          .help("General information of the current build of the endpoint picker")
          .labelNames("commit", "build_ref")
          .register(registry.getPrometheusRegistry())
          .addLabelValues(BUILD_COMMIT, BUILD_REF);
    }
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
    PoolStats stats = new PoolStats(datastore, policy);
    String gie = "[Deprecated: Use llm_d_epp_%s] ";
    poolGauge("inference_pool_ready_pods", gie.formatted("ready_endpoints") + "The number of ready pods in the"
        + " inference server pool (endpoints with fresh metrics)", pool, stats::fresh);
    poolGauge("llm_d_epp_ready_endpoints", "The number of endpoints with fresh metrics in the pool", pool, stats::fresh);
    poolGauge("inference_pool_average_kv_cache_utilization", gie.formatted("average_kv_cache_utilization")
        + "The average kv cache utilization for an inference server pool", pool, () -> stats.mean(PoolStats.KV));
    poolGauge("llm_d_epp_average_kv_cache_utilization", "The average kv cache utilization of the pool's endpoints",
        pool, () -> stats.mean(PoolStats.KV));
    poolGauge("inference_pool_average_queue_size", gie.formatted("average_queue_size")
        + "The average number of requests pending in the model server queue", pool, () -> stats.mean(PoolStats.QUEUE));
    poolGauge("llm_d_epp_average_queue_size", "The average number of requests pending in the model server queues",
        pool, () -> stats.mean(PoolStats.QUEUE));
    poolGauge("inference_pool_average_running_requests", gie.formatted("average_running_requests")
        + "The average number of requests currently being processed by the model servers", pool,
        () -> stats.mean(PoolStats.RUNNING));
    poolGauge("llm_d_epp_average_running_requests", "The average number of requests running on the model servers",
        pool, () -> stats.mean(PoolStats.RUNNING));
    poolGauge("llm_d_epp_std_dev_kv_cache_utilization", "The population standard deviation of the endpoints' kv cache"
        + " utilization", pool, () -> stats.stdDev(PoolStats.KV));
    poolGauge("llm_d_epp_std_dev_queue_size", "The population standard deviation of the endpoints' queue sizes", pool,
        () -> stats.stdDev(PoolStats.QUEUE));
    poolGauge("llm_d_epp_std_dev_running_requests", "The population standard deviation of the endpoints' running"
        + " requests", pool, () -> stats.stdDev(PoolStats.RUNNING));
    Gauge.builder("loadfuse_picker_fail_open", () -> {
          EndpointState[] eps = datastore.routable();
          return policy.allStale(eps, eps.length, System.currentTimeMillis()) ? 1 : 0;
        })
        .description("1 while every endpoint's metrics are stale and the picker routes on the last known values"
            + " and its in-flight counts (fail-open), else 0")
        .register(registry);
    MultiGauge perPod = MultiGauge.builder("inference_pool_per_pod_queue_size")
        .description(gie.formatted("per_endpoint_queue_size") + "The total number of requests pending in the model"
            + " server queue for each underlying pod")
        .register(registry);
    MultiGauge perEndpoint = MultiGauge.builder("llm_d_epp_per_endpoint_queue_size")
        .description("The number of requests pending in the model server queue of each endpoint")
        .register(registry);
    beforeScrape.add(() -> {
      stats.refresh();
      long now = System.currentTimeMillis();
      List<MultiGauge.Row<?>> rows = new ArrayList<>();
      List<MultiGauge.Row<?>> rowsNew = new ArrayList<>();
      for (EndpointState e : datastore.routable()) {
        LoadVector v = e.vector();
        double w = policy.engineFresh(v, now) ? v.waitingRequests() : Double.NaN;
        if (!Double.isNaN(w)) {
          rows.add(MultiGauge.Row.of(Tags.of("model_server_pod", e.id().name(), "name", pool), w));
          rowsNew.add(MultiGauge.Row.of(Tags.of("model_server_endpoint", e.id().name(), "name", pool), w));
        }
      }
      perPod.register(rows, true);
      perEndpoint.register(rowsNew, true);
    });
  }

  private void poolGauge(String name, String help, String pool, Supplier<Number> value) {
    Gauge.builder(name, value).description(help).tag("name", pool).register(registry);
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

  /**
   * One scheduling attempt for {@code rawTarget}: routed to {@code endpoint}, or failed (null), as
   * {@code inference_extension_scheduler_attempts_total} and {@code llm_d_epp_scheduler_attempts_total}
   * count it ({@code status} success or failure; the endpoint's name, the pool's namespace and the
   * port, empty on failure and once {@link #MAX_DECISION_SERIES} label sets exist).
   */
  public void schedulerAttempt(EndpointId endpoint, String rawTarget) {
    String target = modelLabels.of(rawTarget);
    String status = endpoint == null ? "failure" : "success";
    String name = endpoint == null ? "" : endpoint.name();
    String port = endpoint == null ? "" : Integer.toString(endpoint.port());
    String key = status + '\u0000' + target + '\u0000' + name + '\u0000' + port;
    if (!attempts.containsKey(key) && attempts.size() >= MAX_DECISION_SERIES) {
      name = "";
      port = "";
      key = status + '\u0000' + target + "\u0000\u0000";
    }
    String n = name;
    String p = port;
    Counter[] c = attempts.computeIfAbsent(key, k -> new Counter[] {
        Counter.builder("inference_extension_scheduler_attempts")
            .description("[Deprecated: Use llm_d_epp_scheduler_attempts_total] Total number of scheduling attempts.")
            .tags("status", status, "target_model_name", target, "pod_name", n, "namespace", namespace, "port", p)
            .register(registry),
        Counter.builder("llm_d_epp_scheduler_attempts").description("Total number of scheduling attempts.")
            .tags("status", status, "target_model_name", target, "endpoint_name", n, "namespace", namespace, "port", p)
            .register(registry)});
    c[0].increment();
    c[1].increment();
  }

  /**
   * An InferenceModelRewrite rule ({@code ruleName}) sent {@code rawModel} to {@code rawTarget}:
   * {@code inference_extension_model_rewrite_decisions_total} and its {@code llm_d_epp_} twin (at most
   * {@link #MAX_DECISION_SERIES} label sets; a rule set that large is counted no further).
   */
  public void modelRewrite(String ruleName, String rawModel, String rawTarget) {
    String model = modelLabels.of(rawModel);
    String target = modelLabels.of(rawTarget);
    String key = ruleName + '\u0000' + model + '\u0000' + target;
    if (!rewrites.containsKey(key) && rewrites.size() >= MAX_DECISION_SERIES) {
      return;
    }
    Counter[] c = rewrites.computeIfAbsent(key, k -> new Counter[] {
        Counter.builder("inference_extension_model_rewrite_decisions")
            .description("Total number of inference model rewrite decisions.")
            .tags("model_rewrite_name", ruleName, "model_name", model, "target_model", target).register(registry),
        Counter.builder("llm_d_epp_model_rewrite_decisions").description("Total number of inference model rewrite decisions.")
            .tags("model_rewrite_name", ruleName, "model_name", model, "target_model", target).register(registry)});
    c[0].increment();
    c[1].increment();
  }

  /** The pool's namespace, for the endpoint labels of the scheduler attempts. Set before serving. */
  public void namespace(String poolNamespace) {
    this.namespace = poolNamespace == null ? "" : poolNamespace;
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

  /**
   * The meters of one request class: (model, target model, fairness id, priority). Model names and
   * fairness ids are capped at {@link LabelCap#LIMIT} distinct values each ({@code other} beyond),
   * as the router caps them.
   */
  public Meters meters(String model, String targetModel, String fairnessId, int priority) {
    RequestClass c = new RequestClass(modelLabels.of(model), modelLabels.of(targetModel), fairness.of(fairnessId),
        priority);
    Meters m = meters.get(c);
    if (m != null) {
      return m;
    }
    if (meters.size() >= MAX_REQUEST_CLASSES && !modelLabels.isKnown(model)) {
      c = new RequestClass(ModelLabels.OTHER, ModelLabels.OTHER, ModelLabels.OTHER, priority);
    }
    return meters.computeIfAbsent(c, this::create);
  }

  /**
   * Request classes (model, target model, fairness id, priority) with meters of their own: each
   * costs some 40 KB of {@code /metrics} (both families' histograms), and model names and fairness
   * ids multiply. Beyond it, classes of models the routing objects do not name share {@code other}.
   */
  public static final int MAX_REQUEST_CLASSES = 256;

  /**
   * One error with the reference's error code ({@code BadRequest}, {@code ResourceExhausted}, ...),
   * on {@code inference_objective_request_error_total} and {@code llm_d_epp_request_error_total}.
   *
   * @param fairnessId empty when the request failed before it was read
   */
  public void error(String model, String targetModel, String fairnessId, String priority, String errorCode) {
    boolean shared = errors.size() >= 4 * MAX_REQUEST_CLASSES && !modelLabels.isKnown(model)
        && !errors.containsKey(String.join("\u0000", modelLabels.of(model), modelLabels.of(targetModel),
            fairness.of(fairnessId), priority, errorCode));
    // As for the meters: beyond the bound, unknown models' errors share one class.
    String m = shared ? ModelLabels.OTHER : modelLabels.of(model);
    String t = shared ? ModelLabels.OTHER : modelLabels.of(targetModel);
    String f = shared ? ModelLabels.OTHER : fairness.of(fairnessId);
    Counter[] c = errors.computeIfAbsent(String.join("\u0000", m, t, f, priority, errorCode), k -> new Counter[] {
        Counter.builder("inference_objective_request_error")
            .description("[Deprecated: Use llm_d_epp_request_error_total] Counter of inference objective requests"
                + " errors broken out for each model and target model")
            .tags("model_name", m, "target_model_name", t, "error_code", errorCode).register(registry),
        Counter.builder("llm_d_epp_request_error")
            .description("Counter of request errors broken out for each model, target model, fairness id and priority")
            .tags("model_name", m, "target_model_name", t, "fairness_id", f, "priority", priority, "error_code", errorCode)
            .register(registry)});
    c[0].increment();
    c[1].increment();
  }

  /** The running-requests gauge of a model ({@code inference_objective_running_requests{model_name}}). */
  private AtomicInteger running(String model) {
    return running.computeIfAbsent(model, m -> {
      AtomicInteger n = new AtomicInteger();
      Gauge.builder("inference_objective_running_requests", n, AtomicInteger::get)
          .description("[Deprecated: Use llm_d_epp_request_running] Inference objective number of running requests"
              + " in each model")
          .tag("model_name", m)
          .register(registry);
      return n;
    });
  }

  private Meters create(RequestClass c) {
    String[] m = {"model_name", c.model(), "target_model_name", c.target()};
    String[] mfp = {"model_name", c.model(), "target_model_name", c.target(), "fairness_id", c.fairnessId(),
        "priority", Integer.toString(c.priority())};
    String[] mp = {"model_name", c.model(), "target_model_name", c.target(), "priority", Integer.toString(c.priority())};
    AtomicInteger runningNew = new AtomicInteger();
    Gauge.builder("llm_d_epp_request_running", runningNew, AtomicInteger::get)
        .description("Number of running requests for each model, target model, fairness id and priority")
        .tags(mfp).register(registry);
    return new Meters(
        new Counter[] {
            Counter.builder("inference_objective_request")
                .description("[Deprecated: Use llm_d_epp_request_total] Counter of inference objective requests broken"
                    + " out for each model and target model")
                .tags(mp).register(registry),
            Counter.builder("llm_d_epp_request")
                .description("Counter of requests broken out for each model, target model, fairness id and priority")
                .tags(mfp).register(registry)},
        new Timer[] {
            timer("inference_objective_request_duration", "[Deprecated: Use llm_d_epp_request_duration_seconds]"
                + " Inference objective response latency distribution in seconds for each model and target model", m,
                DURATION_BUCKETS),
            timer("llm_d_epp_request_duration", "Response latency distribution in seconds", mfp, DURATION_BUCKETS)},
        new DistributionSummary[] {
            summary("inference_objective_request_sizes", "[Deprecated: Use llm_d_epp_request_size_bytes] Inference"
                + " objective requests size distribution in bytes for each model and target model", m, REQUEST_SIZE_BUCKETS),
            summary("llm_d_epp_request_size_bytes", "Request body size distribution in bytes", mfp, REQUEST_SIZE_BUCKETS)},
        new DistributionSummary[] {
            summary("inference_objective_input_tokens", "[Deprecated: Use llm_d_epp_request_input_tokens] Inference"
                + " objective input token count distribution for requests in each model", m, TOKEN_BUCKETS),
            summary("llm_d_epp_request_input_tokens", "Input token count distribution", mfp, TOKEN_BUCKETS)},
        new DistributionSummary[] {
            summary("inference_objective_output_tokens", "[Deprecated: Use llm_d_epp_request_output_tokens] Inference"
                + " objective output token count distribution for requests in each model", m, OUTPUT_TOKEN_BUCKETS),
            summary("llm_d_epp_request_output_tokens", "Output token count distribution", mfp, OUTPUT_TOKEN_BUCKETS)},
        new DistributionSummary[] {
            summary("inference_objective_prompt_cached_tokens", "[Deprecated: Use llm_d_epp_request_cached_tokens]"
                + " Inference objective prompt cached token count distribution for requests in each model", m,
                TOKEN_BUCKETS),
            summary("llm_d_epp_request_cached_tokens", "Prompt cached token count distribution", mfp, TOKEN_BUCKETS)},
        new Timer[] {
            timer("inference_objective_normalized_time_per_output_token", "[Deprecated: Use"
                + " llm_d_epp_request_ntpot_seconds] Inference objective latency divided by number of output tokens in"
                + " seconds for each model and target model", m, NTPOT_BUCKETS),
            timer("llm_d_epp_request_ntpot", "Request latency divided by the number of output tokens, in seconds", mfp,
                NTPOT_BUCKETS)},
        running(c.model()), runningNew);
  }

  private Timer timer(String name, String help, String[] tags, double[] buckets) {
    return Timer.builder(name).description(help).tags(tags).serviceLevelObjectives(durations(buckets)).register(registry);
  }

  private DistributionSummary summary(String name, String help, String[] tags, double[] buckets) {
    return DistributionSummary.builder(name).description(help).tags(tags).serviceLevelObjectives(buckets)
        .register(registry);
  }

  @Override
  public Recorder plugin(String extensionPoint, TypedName plugin) {
    String[] tags = {"extension_point", extensionPoint, "plugin_type", plugin.type(), "plugin_name", plugin.name()};
    Timer t = timer("inference_extension_plugin_duration", "[Deprecated: Use llm_d_epp_plugin_duration_seconds] Plugin"
        + " processing latency distribution in seconds for each extension point, plugin type and plugin name", tags,
        PLUGIN_BUCKETS);
    Timer t2 = timer("llm_d_epp_plugin_duration", "Plugin processing latency distribution in seconds for each extension"
        + " point, plugin type and plugin name", tags, PLUGIN_BUCKETS);
    return nanos -> {
      t.record(nanos, TimeUnit.NANOSECONDS);
      t2.record(nanos, TimeUnit.NANOSECONDS);
    };
  }

  @Override
  public Recorder decision() {
    return nanos -> {
      schedulerE2e.record(nanos, TimeUnit.NANOSECONDS);
      schedulerE2eNew.record(nanos, TimeUnit.NANOSECONDS);
    };
  }

  // ---- prefix-cache-scorer ----

  private static final double[] HIT_BYTES_BUCKETS = {16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536};
  private static final double[] HIT_RATIO_BUCKETS = {0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1};

  /**
   * The recorder of {@code inference_extension_prefix_indexer_hit_ratio} (histogram): per scored
   * prompt, the longest prefix any candidate holds over the prompt's blocks, in [0, 1].
   */
  public java.util.function.DoubleConsumer prefixIndexerHitRatio(TypedName plugin) {
    DistributionSummary s = DistributionSummary.builder("inference_extension_prefix_indexer_hit_ratio")
        .description("[Deprecated: Use llm_d_epp_prefix_indexer_hit_ratio] Ratio of prefix length matched to total"
            + " prefix length in the cache lookup")
        .serviceLevelObjectives(HIT_RATIO_BUCKETS)
        .register(registry);
    DistributionSummary s2 = summary("llm_d_epp_prefix_indexer_hit_ratio", "Ratio of prefix length matched to total"
        + " prefix length in the cache lookup", new String[] {"plugin_name", plugin.name(), "plugin_type", plugin.type()},
        HIT_RATIO_BUCKETS);
    return ratio -> {
      s.record(ratio);
      s2.record(ratio);
    };
  }

  /**
   * {@code inference_extension_prefix_indexer_hit_bytes} and {@code llm_d_epp_prefix_indexer_hit_bytes}
   * (the reference's buckets): the length of each lookup's best prefix match, in characters of the
   * rendered prompt (the reference's estimate of bytes).
   */
  public java.util.function.DoubleConsumer prefixIndexerHitBytes(TypedName plugin) {
    DistributionSummary s = DistributionSummary.builder("inference_extension_prefix_indexer_hit_bytes")
        .description("[Deprecated: Use llm_d_epp_prefix_indexer_hit_bytes] Length of the prefix match in number of"
            + " bytes in the cache lookup")
        .serviceLevelObjectives(HIT_BYTES_BUCKETS)
        .register(registry);
    DistributionSummary s2 = summary("llm_d_epp_prefix_indexer_hit_bytes", "Length of the prefix match in number of"
        + " bytes in the cache lookup", new String[] {"plugin_name", plugin.name(), "plugin_type", plugin.type()},
        HIT_BYTES_BUCKETS);
    return bytes -> {
      s.record(bytes);
      s2.record(bytes);
    };
  }

  /** {@code inference_extension_prefix_indexer_size} and its {@code llm_d_epp_} twin: the index's entries, read when scraped. */
  public void prefixIndexerSize(TypedName plugin, Supplier<Number> entries) {
    Gauge.builder("inference_extension_prefix_indexer_size", entries)
        .description("[Deprecated: Use llm_d_epp_prefix_indexer_size] Size of the prefix indexer.").register(registry);
    Gauge.builder("llm_d_epp_prefix_indexer_size", entries).description("Size of the prefix indexer.")
        .tags("plugin_name", plugin.name(), "plugin_type", plugin.type()).register(registry);
  }

  /** Histogram bucket bounds in seconds as the durations Micrometer takes. */
  public static Duration[] durations(double[] seconds) {
    Duration[] d = new Duration[seconds.length];
    for (int i = 0; i < seconds.length; i++) {
      d[i] = Duration.ofNanos(Math.round(seconds[i] * 1e9));
    }
    return d;
  }

  private record RequestClass(String model, String target, String fairnessId, int priority) {}

  /**
   * The meters of one request class, each twice: the GIE name (its label set) and the router's
   * {@code llm_d_epp_*} name (with {@code fairness_id} and {@code priority}), as the router emits both.
   */
  public static final class Meters {

    private final Counter[] requests;
    private final Timer[] duration;
    private final DistributionSummary[] requestSizes;
    private final DistributionSummary[] inputTokens;
    private final DistributionSummary[] outputTokens;
    private final DistributionSummary[] cachedTokens;
    private final Timer[] ntpot;
    private final AtomicInteger running;
    private final AtomicInteger runningNew;

    Meters(Counter[] requests, Timer[] duration, DistributionSummary[] requestSizes, DistributionSummary[] inputTokens,
        DistributionSummary[] outputTokens, DistributionSummary[] cachedTokens, Timer[] ntpot, AtomicInteger running,
        AtomicInteger runningNew) {
      this.requests = requests;
      this.duration = duration;
      this.requestSizes = requestSizes;
      this.inputTokens = inputTokens;
      this.outputTokens = outputTokens;
      this.cachedTokens = cachedTokens;
      this.ntpot = ntpot;
      this.running = running;
      this.runningNew = runningNew;
    }

    /** A request was scheduled: counted, its body size observed, and it runs until {@link #finished()}. */
    public void started(long bodyBytes) {
      for (Counter c : requests) {
        c.increment();
      }
      for (DistributionSummary s : requestSizes) {
        s.record(bodyBytes);
      }
      running.incrementAndGet();
      runningNew.incrementAndGet();
    }

    /** The request no longer runs (call once per {@link #started}). */
    public void finished() {
      running.decrementAndGet();
      runningNew.decrementAndGet();
    }

    /** The response completed after {@code durationNanos}, with the token counts it reported (negative: none). */
    public void response(long durationNanos, long promptTokens, long completionTokens, long cachedTokenCount) {
      for (Timer t : duration) {
        t.record(durationNanos, TimeUnit.NANOSECONDS);
      }
      if (promptTokens > 0) {
        for (DistributionSummary s : inputTokens) {
          s.record(promptTokens);
        }
      }
      if (completionTokens > 0) {
        for (DistributionSummary s : outputTokens) {
          s.record(completionTokens);
        }
        for (Timer t : ntpot) {
          t.record(durationNanos / completionTokens, TimeUnit.NANOSECONDS);
        }
      }
      if (cachedTokenCount >= 0) {
        for (DistributionSummary s : cachedTokens) {
          s.record(cachedTokenCount);
        }
      }
    }
  }
}
