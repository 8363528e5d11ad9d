package dev.loadfuse.sidecar.fusion;

import dev.loadfuse.common.errors.Redact;
import dev.loadfuse.engine.EngineMetricsExtractor;
import dev.loadfuse.engine.EngineSample;
import dev.loadfuse.engine.PageCheck;
import dev.loadfuse.engine.config.EngineConfig;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.engine.config.UnknownEngineException;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.scrape.ScrapeFailure;
import dev.loadfuse.discovery.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The fusion state of one endpoint: its engine adapter, latest engine sample, latest GPU
 * readings and scrape health, folded into one {@link LoadVector}.
 *
 * <p>Health rule: healthy when the engine is known, a page with a load signal has been read and
 * fewer than {@code failureThreshold} scrapes in a row failed since, and none of the endpoint's
 * GPUs is lost. A scrape fails when the page cannot be fetched or parsed, and when it carries none
 * of the engine's load metrics (a login page, a compressed or binary body, another engine's page:
 * {@link PageCheck} names which). A single failure shows in {@code lastError} at once but does not
 * flip health: engines that close their connection, or a busy node, lose a scrape now and then.
 * {@code lastError} shows the most important current problem: an unknown engine, then a failing
 * scrape, then a lost GPU, then GPU-probe trouble.
 *
 * <p>Not thread-safe: owned by the sidecar verticle's context.
 */
public final class EndpointLoad {

  private final int maxPageBytes;
  private final int failureThreshold;
  private Endpoint endpoint;
  private EngineConfig engine;
  private String engineError;
  private EngineMetricsExtractor extractor;
  private String scrapeError;
  private String gpuError;
  /** A page with a load signal was read (ever). */
  private boolean scrapedOk;
  private int consecutiveFailures;
  private LoadVector vector;

  /**
   * @param failureThreshold scrapes in a row that must fail before the endpoint is unhealthy (>= 1)
   */
  public EndpointLoad(Endpoint endpoint, ModelServerMetricsConfig engines, int maxPageBytes, int failureThreshold) {
    if (failureThreshold < 1) {
      throw new IllegalArgumentException("failureThreshold: " + failureThreshold + " (expected: >= 1)");
    }
    this.maxPageBytes = maxPageBytes;
    this.failureThreshold = failureThreshold;
    this.endpoint = endpoint;
    this.vector = LoadVector.unknown(id(endpoint), null);
    selectEngine(engines);
  }

  public Endpoint endpoint() {
    return endpoint;
  }

  public LoadVector vector() {
    return vector;
  }

  public Optional<EngineConfig> engine() {
    return Optional.ofNullable(engine);
  }

  /** Re-resolves the engine adapter (after an endpoint or config change); true if it changed. */
  public boolean selectEngine(ModelServerMetricsConfig engines) {
    EngineConfig before = engine;
    try {
      engine = engines.select(endpoint.name(), endpoint.labels(), endpoint.poolAnnotations()).engine();
      engineError = null;
    } catch (UnknownEngineException e) {
      engine = null;
      engineError = Redact.text(e.getMessage());
    }
    boolean changed = before != engine;
    if (changed) {
      extractor = engine == null ? null : EngineMetricsExtractor.forConfig(engine, maxPageBytes);
    }
    refresh();
    return changed;
  }

  /** Takes a new version of the endpoint (labels, GPUs...) with the same scrape target. */
  public void update(Endpoint newEndpoint, ModelServerMetricsConfig engines) {
    this.endpoint = newEndpoint;
    this.vector = vector.withEndpoint(id(newEndpoint));
    selectEngine(engines);
  }

  /**
   * A page arrived: extract and fold it in. Returns why it counts as a failed scrape (it could not
   * be parsed, or it carries none of the engine's load metrics), or null; a failed page leaves the
   * last good values in the vector.
   */
  public ScrapeFailure onPage(byte[] page, int length, long atMillis) {
    if (extractor == null) {
      succeeded();
      return null;
    }
    EngineSample sample;
    try {
      sample = extractor.extract(page, 0, length);
    } catch (RuntimeException e) {
      return failed(new ScrapeFailure(ScrapeFailure.Reason.PARSE,
          "cannot read the metrics page of " + endpoint.name() + ": " + e.getMessage()));
    }
    String noLoad = PageCheck.noLoad(engine, sample, page, 0, length);
    if (noLoad != null) {
      return failed(new ScrapeFailure(ScrapeFailure.Reason.NO_METRICS, noLoad));
    }
    vector = vector.withEngineSample(sample, atMillis);
    succeeded();
    return null;
  }

  /** A scrape failed (connect, timeout, HTTP status, ...): shown at once, unhealthy after the threshold. */
  public void onScrapeFailure(String message) {
    failed(new ScrapeFailure(ScrapeFailure.Reason.OTHER, message));
  }

  /** Scrapes that failed in a row since the last good page. */
  public int consecutiveFailures() {
    return consecutiveFailures;
  }

  private void succeeded() {
    scrapedOk = true;
    consecutiveFailures = 0;
    scrapeError = null;
    refresh();
  }

  private ScrapeFailure failed(ScrapeFailure failure) {
    consecutiveFailures = consecutiveFailures == Integer.MAX_VALUE ? consecutiveFailures : consecutiveFailures + 1;
    scrapeError = failure.message();
    refresh();
    return failure;
  }

  /** Folds in a GPU snapshot: the readings of this endpoint's GPUs, in its order. */
  public void onGpus(GpuSnapshot snapshot, long atMillis) {
    List<GpuSample> mine = new ArrayList<>(endpoint.gpus().size());
    List<String> absent = new ArrayList<>();
    for (String uuid : endpoint.gpus()) {
      snapshot.gpu(uuid).ifPresentOrElse(mine::add, () -> absent.add(uuid));
    }
    gpuError = absent.isEmpty() ? null : "GPU not found on this node: " + String.join(", ", absent);
    vector = vector.withGpus(mine, atMillis);
    refresh();
  }

  public void onGpuError(String message) {
    gpuError = endpoint.gpus().isEmpty() ? null : message;
    refresh();
  }

  private void refresh() {
    boolean gpuLost = false;
    String lostUuid = null;
    for (GpuSample g : vector.gpus()) {
      if (g.lost()) {
        gpuLost = true;
        lostUuid = g.uuid();
        break;
      }
    }
    String error = engineError != null ? engineError
        : scrapeError != null ? scrapeError
        : gpuLost ? "GPU " + lostUuid + " is lost (NVML reports GPU_IS_LOST or RESET_REQUIRED)"
        : gpuError;
    boolean scrapeHealthy = scrapedOk && consecutiveFailures < failureThreshold;
    boolean healthy = engineError == null && scrapeHealthy && !gpuLost;
    String engineName = engine == null ? null : engine.name();
    if (!java.util.Objects.equals(engineName, vector.engine())) {
      vector = vector.withEngine(engineName);
    }
    vector = vector.withHealth(healthy, gpuLost, error);
  }

  public static EndpointId id(Endpoint e) {
    return new EndpointId(e.name(), e.address(), e.port(), e.pool().toString());
  }
}
