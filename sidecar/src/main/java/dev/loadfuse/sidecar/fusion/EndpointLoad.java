package dev.loadfuse.sidecar.fusion;

import dev.loadfuse.engine.EngineMetricsExtractor;
import dev.loadfuse.engine.EngineSample;
import dev.loadfuse.engine.config.EngineConfig;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.engine.config.UnknownEngineException;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.discovery.Endpoint;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The fusion state of one endpoint: its engine adapter, latest engine sample, latest GPU
 * readings and scrape health, folded into one {@link LoadVector}.
 *
 * <p>Health rule: healthy when the engine is known, the last scrape succeeded and none of the
 * endpoint's GPUs is lost. {@code lastError} shows the most important current problem: an
 * unknown engine, then a failing scrape, then a lost GPU, then GPU-probe trouble.
 *
 * <p>Not thread-safe: owned by the sidecar verticle's context.
 */
public final class EndpointLoad {

  private final int maxPageBytes;
  private Endpoint endpoint;
  private EngineConfig engine;
  private String engineError;
  private EngineMetricsExtractor extractor;
  private String scrapeError;
  private String gpuError;
  private boolean scrapedOk;
  private LoadVector vector;

  public EndpointLoad(Endpoint endpoint, ModelServerMetricsConfig engines, int maxPageBytes) {
    this.maxPageBytes = maxPageBytes;
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
      engineError = e.getMessage();
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

  /** A page arrived: extract and fold it in. Returns the parse problem, or null. */
  public String onPage(byte[] page, int length, long atMillis) {
    if (extractor == null) {
      scrapedOk = true;
      scrapeError = null;
      refresh();
      return null;
    }
    try {
      EngineSample sample = extractor.extract(page, 0, length);
      vector = vector.withEngineSample(sample, atMillis);
      scrapedOk = true;
      scrapeError = null;
      refresh();
      return null;
    } catch (RuntimeException e) {
      scrapedOk = false;
      scrapeError = "cannot read the metrics page of " + endpoint.name() + ": " + e.getMessage();
      refresh();
      return scrapeError;
    }
  }

  public void onScrapeFailure(String message) {
    scrapedOk = false;
    scrapeError = message;
    refresh();
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
    boolean healthy = engineError == null && scrapedOk && !gpuLost;
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
