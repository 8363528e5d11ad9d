package dev.loadfuse.sidecar;

import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.common.errors.Redact;
import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.file.FileEndpointDiscovery;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions;
import dev.loadfuse.discovery.kubernetes.KubernetesEndpointDiscovery;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.NoGpuProbe;
import dev.loadfuse.sidecar.api.BusCodecs;
import dev.loadfuse.sidecar.api.LoadBus;
import dev.loadfuse.sidecar.api.LoadSnapshot;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.api.SnapshotRequest;
import dev.loadfuse.sidecar.fusion.EndpointLoad;
import dev.loadfuse.sidecar.fusion.PublishFilter;
import dev.loadfuse.sidecar.gpu.GpuSampler;
import dev.loadfuse.sidecar.gpu.PodGpus;
import dev.loadfuse.sidecar.gpu.PodResourcesClient;
import dev.loadfuse.sidecar.gpu.PodResourcesGpuAttribution;
import dev.loadfuse.sidecar.gpu.PodResourcesOptions;
import dev.loadfuse.sidecar.http.SidecarHttpServer;
import dev.loadfuse.sidecar.kvevents.KvEventsFeed;
import dev.loadfuse.sidecar.metrics.SidecarMetrics;
import dev.loadfuse.sidecar.scrape.MetricsScraper;
import dev.loadfuse.sidecar.scrape.ScrapeFailure;
import dev.loadfuse.sidecar.scrape.ScrapeListener;
import dev.loadfuse.sidecar.scrape.ScrapeOptions;
import dev.loadfuse.sidecar.scrape.ScrapeScheduler;
import dev.loadfuse.sidecar.scrape.ScrapeTarget;
import dev.loadfuse.sidecar.tick.Ticker;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sidecar: discovers endpoints, scrapes each one's metrics, samples the GPUs, fuses both into
 * one {@link LoadVector} per endpoint and publishes it on {@link LoadBus#LOAD}; serves {@code GET
 * /v1/load}, {@code /metrics}, {@code /healthz} and {@code /readyz} unless {@link
 * SidecarOptions#setHttp} turns that off.
 *
 * <p><b>Embeddable in any Vert.x application</b>, configured by {@link SidecarOptions}:
 *
 * <pre>{@code
 * vertx.deployVerticle(new SidecarVerticle(new SidecarOptions().setEndpointsFile("endpoints.yaml")));
 * // by class name, with the JSON form of SidecarOptions as the deployment config:
 * vertx.deployVerticle("dev.loadfuse.sidecar.SidecarVerticle", new DeploymentOptions().setConfig(json));
 * // under Vert.x's launcher:
 * //   java -cp sidecar.jar io.vertx.launcher.application.VertxApplication dev.loadfuse.sidecar.SidecarVerticle -conf sidecar.json
 * }</pre>
 *
 * Deployed by class name (the public no-arg constructor), it reads {@link #config()}; when that
 * names neither {@code gpuProbe} nor {@code mockGpus}, the probe is {@code nvml-or-mock}: NVML when
 * a driver is present, else the built-in mock GPUs, with one log line. The picker deploys it
 * in-process through {@code dev.loadfuse.sidecar.embedded.EmbeddedSidecar}.
 *
 * <p>All state lives on this verticle's context; {@link #vectors()} and {@link #ready()} may be
 * read from any thread. A vector is published at once when something routing reads changed ({@link
 * PublishFilter}: engine values, health, the GPU set and flags, or a GPU reading beyond its
 * tolerance; never the energy counter or sample times alone), and re-published at least every
 * publish heartbeat, so consumers can tell a quiet endpoint from a stale one.
 */
public final class SidecarVerticle extends VerticleBase {

  private static final Logger LOG = Logger.getLogger(SidecarVerticle.class.getName());
  private static final PublishFilter PUBLISH_FILTER = PublishFilter.DEFAULTS;
  /** How often the kubelet is asked again which GPUs each pod holds (Kubernetes mode). */
  private static final long POD_RESOURCES_REFRESH_MS = 2000;

  private SidecarOptions settings;
  private ScrapeOptions scrape;
  private SidecarMetrics metrics;
  private EndpointDiscovery discovery;
  private UnaryOperator<EndpointSet> gpuAttribution;
  private GpuProbe gpuProbe;
  private KubernetesClient kubernetesClient;
  private PodResourcesGpuAttribution podGpus;
  private long podGpusTimer = -1;
  private HttpServer httpServer;
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
  private KvEventsFeed kvEvents;

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

  /**
   * A sidecar configured by its deployment config ({@link #config()}, the JSON form of {@link
   * SidecarOptions}): for deployment by class name and Vert.x's launcher.
   */
  public SidecarVerticle() {
    this.settings = null;
  }

  /** A sidecar configured by {@code options} (copied). */
  public SidecarVerticle(SidecarOptions options) {
    this.settings = new SidecarOptions(options);
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
    return metrics;
  }

  /** The KV-cache event subscriptions, or {@code null} when {@code kvEvents} is off. */
  public KvEventsFeed kvEvents() {
    return kvEvents;
  }

  /** What the GPUs are read with ({@link GpuProbe#description()}); null before start. */
  public String gpuProbeDescription() {
    GpuProbe p = gpuProbe;
    return p == null ? null : p.description();
  }

  /** The HTTP API's actual port; -1 when it serves none (or before start). */
  public int httpPort() {
    HttpServer s = httpServer;
    return s == null ? -1 : s.actualPort();
  }

  /** The options in force (after start: those read from the deployment config, if any). */
  public SidecarOptions options() {
    return settings;
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
    try {
      if (settings == null) {
        settings = fromConfig(config());
      }
      settings.validate();
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    engines = settings.getEnginesConfig();
    scrape = ScrapeOptions.of(settings);
    metrics = settings.getMetrics() != null ? settings.getMetrics() : new SidecarMetrics();
    LoadBus.install(vertx);
    BusCodecs.bindMetrics(vertx, metrics.registry());
    client = MetricsScraper.createClient(vertx, scrape.timeout());
    // One timer for scrapes, their deadlines, GPU samples and the publish heartbeat.
    ticker = new Ticker(vertx, ScrapeScheduler.resolutionFor(scrape.interval()));
    scheduler = new ScrapeScheduler(ticker, client);
    lastHeartbeatNanos = ticker.now();
    ticker.add(heartbeat);

    if (settings.getKvEvents().enabled()) {
      kvEvents = new KvEventsFeed(vertx, context, settings.getKvEvents(), metrics.registry());
    }
    consumers.add(vertx.eventBus().consumer(LoadBus.SNAPSHOT.name(), msg -> {
      LoadSnapshot snapshot = new LoadSnapshot(vectors());
      if (msg.body() instanceof SnapshotRequest request) {
        vertx.eventBus().send(request.replyTo(), snapshot);
      } else if (msg.replyAddress() != null) {
        msg.reply(snapshot);
      }
    }));

    return openGpuProbe()
        .compose(probe -> {
          gpuProbe = probe;
          startGpuSampler();
          return startDiscovery();
        })
        .compose(v -> startHttp())
        // A failed start is not followed by stop(): release what was taken (the probe, threads).
        .recover(e -> stop().transform(ignored -> Future.failedFuture(e)));
  }

  /** The options of a verticle deployed by class name: its config, and {@code nvml-or-mock} when it names no probe. */
  private static SidecarOptions fromConfig(io.vertx.core.json.JsonObject config) {
    SidecarOptions options = new SidecarOptions(config);
    if (!options.isGpuProbeSet() && options.getMockGpus() == null) {
      options.setGpuProbe(GpuProbeKind.NVML_OR_MOCK);
    }
    return options;
  }

  // Loading NVML or reading a mock file blocks: not on the event loop.
  private Future<GpuProbe> openGpuProbe() {
    if (settings.getCustomGpuProbe() != null) {
      return Future.succeededFuture(settings.getCustomGpuProbe());
    }
    return vertx.executeBlocking(() -> GpuProbes.open(settings.getGpuProbe(),
        settings.getMockGpus() == null ? null : Path.of(settings.getMockGpus()),
        settings.getNvmlLibrary() == null ? null : Path.of(settings.getNvmlLibrary())));
  }

  private void startGpuSampler() {
    if (gpuProbe instanceof NoGpuProbe) {
      gpusProbed = true;
      return;
    }
    sampler = new GpuSampler(ticker, context, gpuProbe, settings.getGpuSampleInterval(),
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

  /**
   * The endpoints: the given discovery, else the endpoints file, else this node's pods in
   * Kubernetes (whose GPUs the kubelet's PodResources API names, asked again every 2 s).
   */
  private Future<Void> startDiscovery() {
    gpuAttribution = settings.getGpuAttribution();
    if (settings.getDiscovery() != null) {
      discovery = settings.getDiscovery();
    } else if (settings.getEndpointsFile() != null) {
      discovery = new FileEndpointDiscovery(Path.of(settings.getEndpointsFile()));
    } else {
      KubernetesDiscoveryOptions k8s = KubernetesDiscoveryOptions.forNode(settings.getNodeName());
      if (settings.getNamespace() != null) {
        k8s = k8s.withNamespace(settings.getNamespace());
      }
      kubernetesClient = new KubernetesClientBuilder().build();
      discovery = new KubernetesEndpointDiscovery(kubernetesClient, k8s);
      if (gpuAttribution == null) {
        podGpus = new PodResourcesGpuAttribution(new PodResourcesClient(
            PodResourcesOptions.DEFAULTS.withSocket(Path.of(settings.getPodResourcesSocket()))));
        gpuAttribution = podGpus::attribute;
        refreshPodGpus();
        podGpusTimer = vertx.setPeriodic(POD_RESOURCES_REFRESH_MS, id -> refreshPodGpus());
      }
    }
    if (gpuAttribution == null) {
      gpuAttribution = UnaryOperator.identity();
    }
    Promise<Void> firstSet = Promise.promise();
    discovery.start(new EndpointDiscovery.Listener() {
      @Override
      public void onEndpoints(EndpointSet endpoints) {
        context.runOnContext(v -> reconcile(endpoints));
      }

      @Override
      public void onError(DiscoveryException error) {
        LOG.log(Level.WARNING, Redact.text("endpoint discovery (" + discovery.describe()
            + "): " + error.getMessage() + "; keeping the last good endpoint set"));
      }
    }).whenComplete((set, err) -> context.runOnContext(v -> {
      if (err != null) {
        firstSet.tryFail(Problems.unwrap(err));
      } else {
        firstSet.tryComplete();
      }
    }));
    return firstSet.future();
  }

  private String lastPodGpusError;

  /** Asks the kubelet again; endpoints are re-attributed when the pod → GPU map changed. */
  private void refreshPodGpus() {
    PodGpus before = podGpus.current();
    podGpus.refresh().whenComplete((after, err) -> context.runOnContext(v -> {
      if (err != null) {
        String message = Problems.message(err);
        if (!message.equals(lastPodGpusError)) {
          LOG.warning("GPU attribution: " + message + "; keeping the last known pod GPUs");
          lastPodGpusError = message;
        }
      } else {
        lastPodGpusError = null;
        if (!after.equals(before)) {
          reattribute();
        }
      }
    }));
  }

  private Future<Void> startHttp() {
    if (!settings.isHttp()) {
      return Future.succeededFuture();
    }
    String host = settings.getHttpHost();
    int port = settings.getHttpPort();
    return SidecarHttpServer.start(vertx, this, host, port).transform(ar -> {
      if (ar.failed()) {
        return Future.failedFuture(new IllegalStateException(
            "cannot listen on " + host + ":" + port + ": " + Problems.message(ar.cause()), ar.cause()));
      }
      httpServer = ar.result();
      return Future.succeededFuture();
    });
  }

  @Override
  public Future<?> stop() {
    if (podGpusTimer >= 0) {
      vertx.cancelTimer(podGpusTimer);
    }
    if (discovery != null) {
      discovery.close();
    }
    if (sampler != null) {
      sampler.stop();
    }
    scheduler.close();
    ticker.close();
    consumers.forEach(MessageConsumer::unregister);
    if (kvEvents != null) {
      kvEvents.close();
    }
    client.close();
    if (gpuProbe != null) {
      gpuProbe.close();
    }
    if (podGpus != null) {
      podGpus.close();
    }
    if (kubernetesClient != null) {
      kubernetesClient.close();
    }
    return httpServer == null ? Future.succeededFuture() : httpServer.close();
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
      endpoints = gpuAttribution.apply(discoveredSet);
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
    EndpointLoad load = new EndpointLoad(e, engines, scrape.maxBodyBytes(), settings.getScrapeFailureThreshold());
    if (lastGpus != null) {
      load.onGpus(lastGpus, lastGpusAtMillis);
    } else if (gpuError != null) {
      load.onGpuError(gpuError);
    }
    Runtime[] holder = new Runtime[1];
    ScrapeTarget target = new ScrapeTarget(e.address(), e.metricsPort(), e.metricsPath());
    MetricsScraper scraper = scheduler.scraper(target, scrape, new ScrapeListener() {
      @Override
      public void onPage(byte[] page, int length, long scrapedAtMillis, long durationNanos) {
        Runtime rt = holder[0];
        ScrapeFailure problem = rt.load.onPage(page, length, scrapedAtMillis);
        if (problem == null) {
          metrics().scrapeSucceeded(e.name(), durationNanos);
        } else {
          metrics().scrapeFailed(e.name(), problem.reason().label(), durationNanos);
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
    runtimes.put(key, rt);
    afterChange(rt);
    scraper.start();
    if (kvEvents != null) {
      kvEvents.add(e);
    }
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
    return Math.max(1, settings.getPublishHeartbeat().toMillis()) * 1_000_000;
  }

  private void heartbeat() {
    long now = System.currentTimeMillis();
    for (Runtime rt : runtimes.values()) {
      if (now - rt.lastPublishedAtMillis >= settings.getPublishHeartbeat().toMillis()) {
        publish(rt, now, SidecarMetrics.PublishReason.HEARTBEAT);
      }
    }
  }

  private void removeRuntime(String key, Runtime rt) {
    rt.scraper.stop();
    if (kvEvents != null) {
      kvEvents.remove(rt.load.endpoint());
    }
    runtimes.remove(key);
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

  /**
   * Publishes the endpoint's vector at once if it differs from the last published one in
   * something routing reads ({@link PublishFilter}); otherwise the heartbeat publishes it.
   */
  private void afterChange(Runtime rt) {
    LoadVector v = rt.load.vector();
    latest.put(key(rt.load.endpoint()), v);
    metrics().endpoint(v);
    if (PUBLISH_FILTER.shouldPublish(rt.lastPublished, v)) {
      publish(rt, System.currentTimeMillis(), SidecarMetrics.PublishReason.CHANGE);
    }
  }

  private void publish(Runtime rt, long now, SidecarMetrics.PublishReason reason) {
    LoadVector v = rt.load.vector();
    rt.lastPublished = v;
    rt.lastPublishedAtMillis = now;
    vertx.eventBus().publish(LoadBus.LOAD.name(), v);
    metrics().vectorPublished(reason);
  }

  private static boolean sameTarget(Endpoint a, Endpoint b) {
    return a.address().equals(b.address()) && a.metricsPort() == b.metricsPort()
        && a.metricsPath().equals(b.metricsPath()) && a.port() == b.port();
  }

  private static String key(Endpoint e) {
    return e.pool() + "/" + e.name();
  }
}
