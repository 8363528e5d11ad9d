package dev.loadfuse.sidecar.embedded;

import dev.loadfuse.common.settings.OptionChecks;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.sidecar.SidecarOptions;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What an in-process sidecar ({@link EmbeddedSidecar}) needs: where the endpoints come from,
 * which GPUs to read, the engine mappings, the scrape interval and where its metrics go. Fluent
 * setters that validate; the defaults are the sidecar's ({@link SidecarOptions}).
 *
 * <p>Not thread-safe; {@link EmbeddedSidecar#deploy} copies what it needs.
 */
public final class EmbeddedSidecarOptions {

  /** The scrape interval of the sidecar ({@link SidecarOptions#DEFAULT_SCRAPE_INTERVAL}). */
  public static final Duration DEFAULT_SCRAPE_INTERVAL = SidecarOptions.DEFAULT_SCRAPE_INTERVAL;
  /** The probe of the sidecar ({@link SidecarOptions#DEFAULT_GPU_PROBE}): NVML when it loads, else none. */
  public static final GpuProbeKind DEFAULT_GPU_PROBE = SidecarOptions.DEFAULT_GPU_PROBE;

  private EndpointDiscovery discovery;
  private Consumer<EndpointSet> endpointListener;
  private GpuProbeKind gpuProbe;
  private Path mockGpus;
  private Path nvmlLibrary;
  private GpuProbe customGpuProbe;
  private ModelServerMetricsConfig engines = ModelServerMetricsConfig.defaults();
  private Duration scrapeInterval = DEFAULT_SCRAPE_INTERVAL;
  private PrometheusMeterRegistry metricsRegistry;

  public EmbeddedSidecarOptions() {}

  public EmbeddedSidecarOptions(EmbeddedSidecarOptions other) {
    discovery = other.discovery;
    endpointListener = other.endpointListener;
    gpuProbe = other.gpuProbe;
    mockGpus = other.mockGpus;
    nvmlLibrary = other.nvmlLibrary;
    customGpuProbe = other.customGpuProbe;
    engines = other.engines;
    scrapeInterval = other.scrapeInterval;
    metricsRegistry = other.metricsRegistry;
  }

  /** Where the endpoints come from (required); the sidecar starts and closes it. */
  public EndpointDiscovery getDiscovery() {
    return discovery;
  }

  public EmbeddedSidecarOptions setDiscovery(EndpointDiscovery discovery) {
    this.discovery = Objects.requireNonNull(discovery, "discovery");
    return this;
  }

  /**
   * Receives every endpoint set, on the discovery's thread, before the sidecar sees it, so that
   * a vector never names an endpoint the listener has not been told about. Null for none.
   */
  public Consumer<EndpointSet> getEndpointListener() {
    return endpointListener;
  }

  public EmbeddedSidecarOptions setEndpointListener(Consumer<EndpointSet> endpointListener) {
    this.endpointListener = endpointListener;
    return this;
  }

  /** The GPU probe: as set, else {@code mock} when a mock file is set, else {@link #DEFAULT_GPU_PROBE}. */
  public GpuProbeKind getGpuProbe() {
    return gpuProbe != null ? gpuProbe : mockGpus != null ? GpuProbeKind.MOCK : DEFAULT_GPU_PROBE;
  }

  public EmbeddedSidecarOptions setGpuProbe(GpuProbeKind gpuProbe) {
    this.gpuProbe = gpuProbe;
    return this;
  }

  public Path getMockGpus() {
    return mockGpus;
  }

  /** A mock GPU file (implies {@code mock} unless the probe is set otherwise). */
  public EmbeddedSidecarOptions setMockGpus(Path mockGpus) {
    this.mockGpus = mockGpus;
    return this;
  }

  public Path getNvmlLibrary() {
    return nvmlLibrary;
  }

  /** The NVML library file; null for {@code libnvidia-ml.so.1} from the system library path. */
  public EmbeddedSidecarOptions setNvmlLibrary(Path nvmlLibrary) {
    this.nvmlLibrary = nvmlLibrary;
    return this;
  }

  public GpuProbe getCustomGpuProbe() {
    return customGpuProbe;
  }

  /** A probe already opened (e.g. a simulator's GPUs), used instead of the kind; the sidecar closes it. */
  public EmbeddedSidecarOptions setCustomGpuProbe(GpuProbe customGpuProbe) {
    this.customGpuProbe = customGpuProbe;
    return this;
  }

  public ModelServerMetricsConfig getEngines() {
    return engines;
  }

  /** The engine mappings (the picker's {@code model-server-protocol-metrics} parameters). */
  public EmbeddedSidecarOptions setEngines(ModelServerMetricsConfig engines) {
    this.engines = Objects.requireNonNull(engines, "engines");
    return this;
  }

  public Duration getScrapeInterval() {
    return scrapeInterval;
  }

  public EmbeddedSidecarOptions setScrapeInterval(Duration scrapeInterval) {
    this.scrapeInterval = OptionChecks.positive("scrapeInterval", scrapeInterval);
    return this;
  }

  public PrometheusMeterRegistry getMetricsRegistry() {
    return metricsRegistry;
  }

  /** Where the sidecar's {@code loadfuse_sidecar_*} metrics go (e.g. the picker's /metrics); null for its own. */
  public EmbeddedSidecarOptions setMetricsRegistry(PrometheusMeterRegistry metricsRegistry) {
    this.metricsRegistry = metricsRegistry;
    return this;
  }
}
