package dev.loadfuse.sidecar.metrics;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.sidecar.api.LoadVector;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The sidecar's Prometheus metrics.
 *
 * <p>GPU gauges use the DCGM exporter's names and units where one exists ({@code
 * DCGM_FI_DEV_GPU_UTIL} in percent, {@code DCGM_FI_DEV_FB_USED} in MiB, ...) and its label names
 * ({@code gpu}, {@code UUID}, {@code modelName}), so existing GPU dashboards work unchanged.
 * Per-endpoint engine gauges sit beside them ({@code loadfuse_endpoint_*}). Thread-safe.
 */
public final class SidecarMetrics {

  private static final double MIB = 1024.0 * 1024.0;

  /** Why a vector went out: something routing reads changed, or the heartbeat came round. */
  public enum PublishReason {
    CHANGE,
    HEARTBEAT;

    /** The {@code reason} label value: {@code change}, {@code heartbeat}. */
    public String label() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private final PrometheusMeterRegistry registry;
  private final Counter[] published = new Counter[PublishReason.values().length];
  private final Map<String, Timer> scrapeTimers = new ConcurrentHashMap<>();
  private final Map<String, Counter> scrapeErrors = new ConcurrentHashMap<>();
  private final Map<String, GpuGauges> gpus = new ConcurrentHashMap<>();
  private final Map<String, EndpointGauges> endpoints = new ConcurrentHashMap<>();

  public SidecarMetrics() {
    this(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
  }

  public SidecarMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    for (PublishReason r : PublishReason.values()) {
      published[r.ordinal()] = Counter.builder("loadfuse_sidecar_published_vectors")
          .description("Load vectors published on the event bus, by reason (change or heartbeat)")
          .tags("reason", r.label())
          .register(registry);
    }
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The exposition text for {@code GET /metrics}. */
  public String scrape() {
    return registry.scrape();
  }

  public void scrapeSucceeded(String endpoint, long durationNanos) {
    scrapeTimer(endpoint).record(Duration.ofNanos(durationNanos));
  }

  public void scrapeFailed(String endpoint, String reason, long durationNanos) {
    scrapeTimer(endpoint).record(Duration.ofNanos(durationNanos));
    scrapeErrors.computeIfAbsent(endpoint + '\u0000' + reason, k ->
        Counter.builder("loadfuse_sidecar_scrape_errors")
            .description("Failed scrapes of model-server metrics, by endpoint and reason")
            .tags("endpoint", endpoint, "reason", reason)
            .register(registry)).increment();
  }

  public void vectorPublished(PublishReason reason) {
    published[reason.ordinal()].increment();
  }

  private Timer scrapeTimer(String endpoint) {
    return scrapeTimers.computeIfAbsent(endpoint, e ->
        Timer.builder("loadfuse_sidecar_scrape_duration")
            .description("Time to fetch one /metrics page")
            .tags("endpoint", e)
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofMillis(1))
            .maximumExpectedValue(Duration.ofSeconds(2))
            .register(registry));
  }

  /** Updates the per-endpoint gauges from the latest vector. */
  public void endpoint(LoadVector v) {
    String key = v.endpoint().pool() + "/" + v.endpoint().name();
    EndpointGauges g = endpoints.computeIfAbsent(key, k -> new EndpointGauges(registry, v));
    g.latest = v;
    g.syncGpus(registry, v.gpus());
  }

  /** Removes the gauges of an endpoint that is gone. */
  public void endpointRemoved(String pool, String name) {
    EndpointGauges g = endpoints.remove(pool + "/" + name);
    if (g != null) {
      g.meters.forEach(registry::remove);
      g.gpuInfo.values().forEach(registry::remove);
    }
  }

  /** Updates the GPU gauges; GPUs no longer reported are removed. */
  public void gpus(List<GpuSample> samples) {
    java.util.Set<String> seen = new java.util.HashSet<>();
    for (GpuSample s : samples) {
      seen.add(s.uuid());
      gpus.computeIfAbsent(s.uuid(), u -> new GpuGauges(registry, s)).latest = s;
    }
    gpus.entrySet().removeIf(e -> {
      if (seen.contains(e.getKey())) {
        return false;
      }
      e.getValue().meters.forEach(registry::remove);
      return true;
    });
  }

  private static final class EndpointGauges {
    volatile LoadVector latest;
    final List<Meter> meters = new ArrayList<>();
    /**
     * {@code loadfuse_endpoint_gpu_assigned{endpoint,pool,UUID} 1} per GPU of the endpoint: joins the
     * DCGM-named GPU gauges (label {@code UUID}) to the endpoint's engine gauges in PromQL. (Not
     * {@code _info}: the Prometheus client strips that suffix from gauges.)
     */
    final Map<String, Meter> gpuInfo = new java.util.HashMap<>();
    final Tags tags;

    EndpointGauges(PrometheusMeterRegistry r, LoadVector first) {
      latest = first;
      Tags tags = Tags.of("endpoint", first.endpoint().name(), "pool", first.endpoint().pool());
      this.tags = tags;
      add(r, "loadfuse_endpoint_waiting_requests", "Requests waiting in the engine", tags, v -> v.waitingRequests());
      add(r, "loadfuse_endpoint_running_requests", "Requests running in the engine", tags, v -> v.runningRequests());
      add(r, "loadfuse_endpoint_kv_cache_usage", "KV-cache usage fraction (0..1)", tags, v -> v.kvCacheUsage());
      add(r, "loadfuse_endpoint_healthy", "1 when the last scrape succeeded and no GPU is lost", tags, v -> v.healthy() ? 1 : 0);
    }

    private void add(PrometheusMeterRegistry r, String name, String help, Tags tags, ToDoubleFunction<LoadVector> f) {
      meters.add(Gauge.builder(name, this, g -> f.applyAsDouble(g.latest)).description(help).tags(tags).register(r));
    }

    /** Called with each vector; the GPU set changes rarely, so the common case only compares. */
    synchronized void syncGpus(PrometheusMeterRegistry r, List<GpuSample> gpus) {
      boolean same = gpus.size() == gpuInfo.size();
      for (int i = 0; same && i < gpus.size(); i++) {
        same = gpuInfo.containsKey(gpus.get(i).uuid());
      }
      if (same) {
        return;
      }
      java.util.Set<String> now = new java.util.HashSet<>();
      for (GpuSample s : gpus) {
        now.add(s.uuid());
        gpuInfo.computeIfAbsent(s.uuid(), u -> Gauge.builder("loadfuse_endpoint_gpu_assigned", () -> 1)
            .description("1 for each GPU the endpoint's model server holds (join on UUID with the DCGM_FI_DEV_* gauges)")
            .tags(tags.and("UUID", u))
            .register(r));
      }
      gpuInfo.entrySet().removeIf(e -> {
        if (now.contains(e.getKey())) {
          return false;
        }
        r.remove(e.getValue());
        return true;
      });
    }
  }

  private static final class GpuGauges {
    volatile GpuSample latest;
    final List<Meter> meters = new ArrayList<>();

    GpuGauges(PrometheusMeterRegistry r, GpuSample first) {
      latest = first;
      Tags tags = Tags.of("gpu", Integer.toString(first.index()), "UUID", first.uuid(),
          "modelName", first.name().orElse(""));
      add(r, "DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", tags,
          g -> g.gpuUtilization().isPresent() ? g.gpuUtilization().getAsDouble() * 100 : Double.NaN);
      add(r, "DCGM_FI_DEV_MEM_COPY_UTIL", "Memory utilization (in %).", tags,
          g -> g.memoryUtilization().isPresent() ? g.memoryUtilization().getAsDouble() * 100 : Double.NaN);
      add(r, "DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", tags,
          g -> g.memoryUsedBytes().isPresent() ? g.memoryUsedBytes().getAsLong() / MIB : Double.NaN);
      add(r, "DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", tags,
          g -> g.memoryFreeBytes().isPresent() ? g.memoryFreeBytes().getAsLong() / MIB : Double.NaN);
      add(r, "DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", tags,
          g -> g.powerWatts().orElse(Double.NaN));
      add(r, "DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", tags,
          g -> g.temperatureC().isPresent() ? g.temperatureC().getAsInt() : Double.NaN);
      add(r, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "Total energy consumption since boot (in mJ).", tags,
          g -> g.energyJoules().isPresent() ? g.energyJoules().getAsDouble() * 1000 : Double.NaN);
      add(r, "DCGM_FI_DEV_CLOCK_THROTTLE_REASONS", "Current clock throttle reasons (bitmask).", tags,
          g -> g.throttleReasonBits().isPresent() ? g.throttleReasonBits().getAsLong() : Double.NaN);
      add(r, "loadfuse_gpu_power_limit_watts", "Enforced power limit (W).", tags,
          g -> g.powerLimitWatts().orElse(Double.NaN));
      add(r, "loadfuse_gpu_lost", "1 when NVML reports the GPU lost or needing a reset.", tags,
          g -> g.lost() ? 1 : 0);
    }

    private void add(PrometheusMeterRegistry r, String name, String help, Tags tags, ToDoubleFunction<GpuSample> f) {
      meters.add(Gauge.builder(name, this, g -> f.applyAsDouble(g.latest)).description(help).tags(tags).register(r));
    }
  }
}
