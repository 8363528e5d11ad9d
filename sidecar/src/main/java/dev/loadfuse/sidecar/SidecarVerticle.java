package dev.loadfuse.sidecar;

import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.NoGpuProbe;
import dev.loadfuse.sidecar.api.LoadBus;
import dev.loadfuse.sidecar.api.LoadSnapshot;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.sidecar.fusion.EndpointLoad;
import dev.loadfuse.sidecar.gpu.GpuSampler;
import dev.loadfuse.sidecar.metrics.SidecarMetrics;
import dev.loadfuse.sidecar.scrape.MetricsScraper;
import dev.loadfuse.sidecar.scrape.ScrapeFailure;
import dev.loadfuse.sidecar.scrape.ScrapeListener;
import dev.loadfuse.sidecar.scrape.ScrapeOptions;
import dev.loadfuse.sidecar.scrape.ScrapeScheduler;
import dev.loadfuse.sidecar.scrape.ScrapeStatus;
import dev.loadfuse.sidecar.scrape.ScrapeTarget;
import dev.loadfuse.sidecar.tick.Ticker;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClientAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sidecar: discovers endpoints, scrapes each one's metrics, samples the GPUs, fuses both into
 * one {@link LoadVector} per endpoint and publishes it on {@link LoadBus#LOAD}.
 *
 * <p>Embeddable: the picker deploys this verticle in-process when it uses no remote sidecars.
 * All state lives on this verticle's context; {@link #vectors()} and {@link #ready()} may be read
 * from any thread. Vectors are published when they change and re-published at least every
 * publish heartbeat, so consumers can tell a quiet endpoint from a stale one.
 */
public final class SidecarVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(SidecarVerticle.class.getName());

  /** What the sidecar needs; build with {@link #builder}. */
  public record Settings(
      EndpointDiscovery discovery,
      UnaryOperator<EndpointSet> gpuAttribution,
      GpuProbe gpuProbe,
      ModelServerMetricsConfig engines,
      ScrapeOptions scrape,
      Duration gpuSampleInterval,
      Duration publishHeartbeat,
      SidecarMetrics metrics) {

    public Settings {
      Objects.requireNonNull(discovery, "discovery");
      gpuAttribution = gpuAttribution == null ? UnaryOperator.identity() : gpuAttribution;
      gpuProbe = gpuProbe == null ? new NoGpuProbe("no GPU probe configured") : gpuProbe;
      engines = engines == null ? ModelServerMetricsConfig.defaults() : engines;
      scrape = scrape == null ? ScrapeOptions.DEFAULTS : scrape;
      gpuSampleInterval = gpuSampleInterval == null ? Duration.ofMillis(100) : gpuSampleInterval;
      publishHeartbeat = publishHeartbeat == null ? Duration.ofMillis(100) : publishHeartbeat;
      metrics = metrics == null ? new SidecarMetrics() : metrics;
    }
  }

  private final Settings settings;
  private volatile ModelServerMetricsConfig engines;
  private final Map<String, Runtime> runtimes = new LinkedHashMap<>();
  private final Map<String, LoadVector> latest = new ConcurrentHashMap<>();
  private EndpointSet lastDiscovered = EndpointSet.EMPTY;
  private volatile boolean discovered;
  private volatile boolean gpusProbed;
  private HttpClientAgent client;
  private Ticker ticker;
  private ScrapeScheduler scheduler;
  private long lastHeartbeatNanos;
  private GpuSampler sampler;
  private GpuSnapshot lastGpus;
  private long lastGpusAtMillis;
  private String gpuError;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();

  /** One endpoint's scraper and fusion state. */
  private static final class Runtime {
    final EndpointLoad load;
    final MetricsScraper scraper;
    LoadVector lastPublished;
    long lastPublishedAtMillis;

    Runtime(EndpointLoad load, MetricsScraper scraper) {
      this.load = load;
      this.scraper = scraper;
    }
  }

  public SidecarVerticle(Settings settings) {
    this.settings = settings;
    this.engines = settings.engines();
  }

  /** Latest vector of every endpoint, sorted by pool and name. Any thread. */
  public List<LoadVector> vectors() {
    List<LoadVector> list = new ArrayList<>(latest.values());
    list.sort(Comparator.comparing((LoadVector v) -> v.endpoint().pool()).thenComparing(v -> v.endpoint().name()));
    return list;
  }

  /** Ready once the first endpoint set is known and the GPU probe has run once. Any thread. */
  public boolean ready() {
    return discovered && gpusProbed;
  }

  public SidecarMetrics metrics() {
    return settings.metrics();
  }

  /** Scrape status of each endpoint, keyed by {@code pool/name}. Any thread (a copy). */
  public Map<String, ScrapeStatus> scrapeStatus() {
    Map<String, ScrapeStatus> out = new LinkedHashMap<>();
    vertxContextSafeCopy().forEach((k, r) -> out.put(k, r.scraper.status()));
    return out;
  }

  private Map<String, Runtime> vertxContextSafeCopy() {
    synchronized (runtimes) {
      return new LinkedHashMap<>(runtimes);
    }
  }

  /**
   * Applies new engine mappings (from a reloaded config): every endpoint's adapter is chosen
   * again. Any thread; runs on this verticle's context.
   */
  public void updateEngines(ModelServerMetricsConfig newEngines) {
    context.runOnContext(v -> {
      engines = newEngines;
      for (Runtime rt : runtimes.values()) {
        rt.load.selectEngine(newEngines);
        afterChange(rt);
      }
    });
  }

  @Override
  public Future<?> start() {
    LoadBus.install(vertx.eventBus());
    client = MetricsScraper.createClient(vertx, settings.scrape().timeout());
    // One timer for scrapes, their deadlines, GPU samples and the publish heartbeat.
    ticker = new Ticker(vertx, ScrapeScheduler.resolutionFor(settings.scrape().interval()));
    scheduler = new ScrapeScheduler(ticker, client);
    lastHeartbeatNanos = ticker.now();
    ticker.add(heartbeat);

    consumers.add(vertx.eventBus().consumer(LoadBus.SNAPSHOT.name(), msg -> {
      LoadSnapshot snapshot = new LoadSnapshot(vectors());
      String replyTo = msg.headers().get(LoadBus.REPLY_TO_HEADER);
      if (replyTo != null) {
        vertx.eventBus().send(replyTo, snapshot);
      } else if (msg.replyAddress() != null) {
        msg.reply(snapshot);
      }
    }));

    if (settings.gpuProbe() instanceof NoGpuProbe) {
      gpusProbed = true;
    } else {
      sampler = new GpuSampler(ticker, context, settings.gpuProbe(), settings.gpuSampleInterval(),
          new GpuSampler.Listener() {
            @Override
            public void onSnapshot(GpuSnapshot snapshot, long atMillis) {
              onGpus(snapshot, atMillis);
            }

            @Override
            public void onError(String message) {
              onGpuError(message);
            }
          });
      sampler.start();
    }

    Promise<Void> firstSet = Promise.promise();
    settings.discovery().start(new EndpointDiscovery.Listener() {
      @Override
      public void onEndpoints(EndpointSet endpoints) {
        context.runOnContext(v -> reconcile(endpoints));
      }

      @Override
      public void onError(DiscoveryException error) {
        LOG.log(Level.WARNING, "endpoint discovery (" + settings.discovery().describe()
            + "): " + error.getMessage() + "; keeping the last good endpoint set");
      }
    }).whenComplete((set, err) -> context.runOnContext(v -> {
      if (err != null) {
        Throwable cause = err instanceof java.util.concurrent.CompletionException && err.getCause() != null ? err.getCause() : err;
        firstSet.tryFail(cause);
      } else {
        firstSet.tryComplete();
      }
    }));
    return firstSet.future();
  }

  @Override
  public Future<?> stop() {
    settings.discovery().close();
    if (sampler != null) {
      sampler.stop();
    }
    scheduler.close();
    ticker.close();
    consumers.forEach(MessageConsumer::unregister);
    client.close();
    settings.gpuProbe().close();
    return Future.succeededFuture();
  }

  /**
   * Applies the GPU attribution again to the last discovered endpoints (after the pod → GPU map
   * changed). Any thread; runs on this verticle's context.
   */
  public void reattribute() {
    context.runOnContext(v -> {
      if (discovered) {
        reconcile(lastDiscovered);
      }
    });
  }

  private void reconcile(EndpointSet discoveredSet) {
    lastDiscovered = discoveredSet;
    EndpointSet endpoints;
    try {
      endpoints = settings.gpuAttribution().apply(discoveredSet);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "GPU attribution failed: " + e.getMessage() + "; endpoints keep their previous GPUs");
      endpoints = discoveredSet;
    }
    Set<String> keep = new HashSet<>();
    for (Endpoint e : endpoints) {
      String key = key(e);
      keep.add(key);
      Runtime rt = runtimes.get(key);
      if (rt != null && !sameTarget(rt.load.endpoint(), e)) {
        removeRuntime(key, rt);
        rt = null;
      }
      if (rt == null) {
        addRuntime(key, e);
      } else if (!rt.load.endpoint().equals(e)) {
        rt.load.update(e, engines);
        if (lastGpus != null) {
          rt.load.onGpus(lastGpus, lastGpusAtMillis);
        }
        afterChange(rt);
      }
    }
    for (String key : new ArrayList<>(runtimes.keySet())) {
      if (!keep.contains(key)) {
        removeRuntime(key, runtimes.get(key));
      }
    }
    discovered = true;
  }

  private void addRuntime(String key, Endpoint e) {
    EndpointLoad load = new EndpointLoad(e, engines, settings.scrape().maxBodyBytes());
    if (lastGpus != null) {
      load.onGpus(lastGpus, lastGpusAtMillis);
    } else if (gpuError != null) {
      load.onGpuError(gpuError);
    }
    Runtime[] holder = new Runtime[1];
    ScrapeTarget target = new ScrapeTarget(e.address(), e.metricsPort(), e.metricsPath());
    MetricsScraper scraper = scheduler.scraper(target, settings.scrape(), new ScrapeListener() {
      @Override
      public void onPage(byte[] page, int length, long scrapedAtMillis, long durationNanos) {
        Runtime rt = holder[0];
        String problem = rt.load.onPage(page, length, scrapedAtMillis);
        if (problem == null) {
          metrics().scrapeSucceeded(e.name(), durationNanos);
        } else {
          metrics().scrapeFailed(e.name(), ScrapeFailure.Reason.PARSE.label(), durationNanos);
        }
        afterChange(rt);
      }

      @Override
      public void onFailure(ScrapeFailure failure, long durationNanos) {
        Runtime rt = holder[0];
        metrics().scrapeFailed(e.name(), failure.reason().label(), durationNanos);
        rt.load.onScrapeFailure(failure.message());
        afterChange(rt);
      }
    });
    Runtime rt = new Runtime(load, scraper);
    holder[0] = rt;
    synchronized (runtimes) {
      runtimes.put(key, rt);
    }
    afterChange(rt);
    scraper.start();
  }

  /**
   * The publish heartbeat, on the ticker: re-publishes the vectors not published for a heartbeat,
   * so consumers can tell a quiet endpoint from a stale one. It checks at most every half
   * heartbeat, riding along on the scrapes' wake-ups from a quarter heartbeat after the last
   * check, so a vector is re-published at most 1.5 heartbeats after it was last published.
   */
  private final Ticker.Task heartbeat = new Ticker.Task() {
    @Override
    public long earliest() {
      return lastHeartbeatNanos + heartbeatNanos() / 4;
    }

    @Override
    public long due() {
      return lastHeartbeatNanos + heartbeatNanos() / 2;
    }

    @Override
    public void tick(long now) {
      lastHeartbeatNanos = now;
      heartbeat();
    }
  };

  private long heartbeatNanos() {
    return Math.max(1, settings.publishHeartbeat().toMillis()) * 1_000_000;
  }

  private void heartbeat() {
    long now = System.currentTimeMillis();
    for (Runtime rt : runtimes.values()) {
      if (now - rt.lastPublishedAtMillis >= settings.publishHeartbeat().toMillis()) {
        publish(rt, now);
      }
    }
  }

  private void removeRuntime(String key, Runtime rt) {
    rt.scraper.stop();
    synchronized (runtimes) {
      runtimes.remove(key);
    }
    latest.remove(key);
    metrics().endpointRemoved(rt.load.vector().endpoint().pool(), rt.load.vector().endpoint().name());
  }

  private void onGpus(GpuSnapshot snapshot, long atMillis) {
    lastGpus = snapshot;
    lastGpusAtMillis = atMillis;
    gpuError = null;
    gpusProbed = true;
    metrics().gpus(new ArrayList<GpuSample>(snapshot.gpus().values()));
    for (Runtime rt : runtimes.values()) {
      rt.load.onGpus(snapshot, atMillis);
      afterChange(rt);
    }
  }

  private void onGpuError(String message) {
    gpuError = message;
    gpusProbed = true;
    for (Runtime rt : runtimes.values()) {
      rt.load.onGpuError(message);
      afterChange(rt);
    }
  }

  /** Publishes the endpoint's vector if its load changed since the last publish. */
  private void afterChange(Runtime rt) {
    LoadVector v = rt.load.vector();
    latest.put(key(rt.load.endpoint()), v);
    metrics().endpoint(v);
    if (!v.sameLoadAs(rt.lastPublished)) {
      publish(rt, System.currentTimeMillis());
    }
  }

  private void publish(Runtime rt, long now) {
    LoadVector v = rt.load.vector();
    rt.lastPublished = v;
    rt.lastPublishedAtMillis = now;
    vertx.eventBus().publish(LoadBus.LOAD.name(), v);
    metrics().vectorPublished();
  }

  private static boolean sameTarget(Endpoint a, Endpoint b) {
    return a.address().equals(b.address()) && a.metricsPort() == b.metricsPort()
        && a.metricsPath().equals(b.metricsPath()) && a.port() == b.port();
  }

  private static String key(Endpoint e) {
    return e.pool() + "/" + e.name();
  }

  /** Latest vectors for a view; unordered. */
  Collection<LoadVector> latestVectors() {
    return latest.values();
  }
}
