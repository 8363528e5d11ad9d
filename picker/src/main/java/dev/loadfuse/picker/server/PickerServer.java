package dev.loadfuse.picker.server;

import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.candidate.StalenessPolicy;
import dev.loadfuse.picker.flowcontrol.FlowControlMetrics;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings;
import dev.loadfuse.picker.flowcontrol.FlowController;
import dev.loadfuse.picker.flowcontrol.FlowExchange;
import dev.loadfuse.picker.flowcontrol.PeerFlows;
import dev.loadfuse.picker.flowcontrol.PoolSaturation;
import io.vertx.core.Context;
import java.time.InstantSource;
import java.util.concurrent.Executor;
import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.file.FileEndpointDiscovery;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions;
import dev.loadfuse.discovery.kubernetes.KubernetesEndpointDiscovery;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.admission.FailOpen;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.extproc.ExtProcContext;
import dev.loadfuse.picker.extproc.ExtProcLimits;
import dev.loadfuse.picker.extproc.ExtProcService;
import dev.loadfuse.picker.extproc.RequestOptions;
import dev.loadfuse.picker.extproc.StreamMetrics;
import dev.loadfuse.picker.http.PickerHttp;
import dev.loadfuse.picker.kubernetes.RoutingObjectsWatcher;
import dev.loadfuse.picker.load.LoadFeed;
import dev.loadfuse.picker.plugins.scorer.preciseprefix.PrecisePrefixCacheScorer;
import dev.loadfuse.sidecar.api.KvIndexReplica;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.routing.RoutingTable;
import dev.loadfuse.picker.plugins.scorer.prefix.PrefixCacheScorer;
import dev.loadfuse.picker.plugins.scorer.prefix.PrefixPickSharing;
import dev.loadfuse.picker.tls.CertificateFiles;
import dev.loadfuse.picker.scheduling.config.ConfigFlavor;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.tls.SelfSignedCertificate;
import dev.loadfuse.picker.tls.TlsSettings;
import dev.loadfuse.sidecar.api.BusCodecs;
import dev.loadfuse.sidecar.embedded.EmbeddedSidecar;
import dev.loadfuse.sidecar.embedded.EmbeddedSidecarOptions;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.micrometer.core.instrument.Gauge;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import dev.loadfuse.picker.health.HealthService;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpServerRequest;
import dev.loadfuse.picker.health.HealthState;
import dev.loadfuse.picker.http.MetricsAuth;
import dev.loadfuse.picker.kubernetes.LeaderElection;
import dev.loadfuse.picker.tracing.Tracing;
import dev.loadfuse.picker.tracing.TracingEnvironment;
import io.vertx.core.http.ClientAuth;
import io.vertx.grpc.server.GrpcServer;
import java.time.InstantSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The running endpoint picker: the datastore fed from the bus (and, in local and Kubernetes mode,
 * the in-process sidecar scraping the model servers of the endpoints file or of the pool and
 * reading the GPUs, deployed through {@link EmbeddedSidecar}), the
 * routing objects (fixed, or kept up to date from the Kubernetes API), the ext_proc server, the
 * gRPC health server and the metrics/HTTP server. {@link #start} deploys everything on a given Vert.x
 * (clustered or not); {@link #close} takes it all down again, leaving the Vert.x to its owner.
 */
public final class PickerServer implements AutoCloseable {


  private static final Logger LOG = Logger.getLogger(PickerServer.class.getName());

  private final Vertx vertx;
  private final PickerOptions settings;
  private final PickerConfig config;
  private final KubernetesDiscoveryOptions kubernetes;
  private EmbeddedSidecar sidecar;
  private final Datastore datastore;
  private final PickerMetrics metrics;
  private final List<String> deployments = new ArrayList<>();
  private final List<HttpServer> extProcServers = new ArrayList<>();
  private ExtProcContext extProc;
  private HttpServer healthServer;
  private HttpServer httpServer;
  private final RoutingTable routing;
  private EndpointDiscovery directDiscovery;
  private KubernetesClient kubernetesClient;
  private boolean ownsKubernetesClient;
  private RoutingObjectsWatcher routingWatcher;
  private long certTimer = -1;
  private long metricsCertTimer = -1;
  private final HealthState health;
  private LeaderElection leaderElection;
  private volatile KubernetesEndpointDiscovery poolDiscovery;
  /** Flow control's settings, null when its feature gate is off. */
  private final FlowControlSettings flowSettings;
  private FlowController flowController;
  private Tracing tracing = Tracing.OFF;
  private long flowTimer = -1;
  private String pool;

  private PickerServer(Vertx vertx, PickerOptions settings, PickerConfig config, KubernetesClient kubernetesClient) {
    this.vertx = vertx;
    this.settings = settings;
    this.config = config;
    this.kubernetes = settings.kubernetes();
    boolean endpointSet = settings.getEndpointsFile() != null || kubernetes != null;
    this.datastore = new Datastore(endpointSet ? Datastore.Mode.ENDPOINT_SET : Datastore.Mode.VECTORS,
        Math.max(10_000, 10 * settings.getMetricsStalenessThreshold().toMillis()));
    this.metrics = new PickerMetrics();
    this.routing = new RoutingTable(settings.loadRouting());
    metrics.modelLabels().known(model -> routing.current().names(model));
    this.kubernetesClient = kubernetesClient;
    this.health = new HealthState(this::synced, settings.isHaEnableLeaderElection());
    this.flowSettings = FlowControlSettings.of(config, System::getenv);
  }

  /** How often flow control expires requests past their TTL and retries dispatch without an event. */
  static final long FLOW_CONTROL_TICK_MILLIS = 10;

  /** The router's {@code flowControl.saturationDetector}, else the config's detector. */
  private SaturationDetector flowDetector() {
    String ref = flowSettings.saturationDetectorRef();
    if (ref == null) {
      return config.saturationDetector();
    }
    if (config.plugin(ref) instanceof SaturationDetector d) {
      return d;
    }
    throw new IllegalArgumentException("flowControl.saturationDetector.pluginRef: \"" + ref
        + "\" names no saturation detector in plugins");
  }

  /** Where the calling event loop runs tasks: a flow-controlled request is answered there. */
  private static Executor callerExecutor() {
    Context c = Vertx.currentContext();
    return c == null ? Runnable::run : task -> c.runOnContext(v -> task.run());
  }

  /**
   * Starts a picker; the future fails (with everything started so far closed) on any problem:
   * invalid options, config or objects, a discovery without a first set, a GPU probe that cannot
   * be opened. In Kubernetes mode the client comes from the usual places (in-cluster service
   * account, or {@code KUBECONFIG}) and is closed on {@link #stop()}.
   */
  public static Future<PickerServer> start(Vertx vertx, PickerOptions options) {
    return start(vertx, options, null);
  }

  /**
   * Starts a picker that uses {@code kubernetesClient} in Kubernetes mode (the caller keeps and
   * closes it); null to build one.
   */
  public static Future<PickerServer> start(Vertx vertx, PickerOptions options, KubernetesClient kubernetesClient) {
    PickerServer s;
    try {
      PickerOptions copy = new PickerOptions(options).validate();
      s = new PickerServer(vertx, copy, copy.loadConfig(), kubernetesClient);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
    return s.doStart().transform(ar -> {
      if (ar.succeeded()) {
        return Future.succeededFuture(s);
      }
      return s.stop().transform(ignored -> Future.failedFuture(ar.cause()));
    });
  }

  private Future<Void> doStart() {
    // Messages dropped on the clustered bus (wrong secret, altered, replayed): on /metrics.
    BusCodecs.bindMetrics(vertx, metrics.registry());
    return vertx.deployVerticle(new LoadFeed(datastore, 1_000))
        .compose(id -> {
          deployments.add(id);
          return startEndpoints();
        })
        .compose(v -> startRoutingWatcher())
        .onSuccess(v -> {
          pool = settings.getPoolName();
          if (pool == null && kubernetes != null) {
            pool = kubernetes.poolRef().name();
          }
          if (pool == null) {
            pool = datastore.all().length > 0 ? datastore.all()[0].id().pool() : "";
          }
          metrics.pool(pool, datastore, settings.getMetricsStalenessThreshold().toMillis());
          metrics.namespace(kubernetes != null ? kubernetes.poolRef().namespace() : settings.getPoolNamespace());
          Gauge.builder("loadfuse_picker_routing_to_unhealthy", datastore, d -> d.routingToUnhealthy() ? 1 : 0)
              .description("1 while every endpoint is unhealthy and requests go to them anyway (fail-open), else 0")
              .register(metrics.registry());
        })
        .compose(v -> startPrefixSharing())
        .compose(v -> startKvIndexReplica())
        .compose(v -> startExtProc())
        .compose(v -> startHealth())
        .compose(v -> startHttp())
        .compose(v -> startLeaderElection())
        .mapEmpty();
  }

  private KubernetesClient kubernetesClient() {
    if (kubernetesClient == null) {
      kubernetesClient = new KubernetesClientBuilder().build();
      ownsKubernetesClient = true;
    }
    return kubernetesClient;
  }

  private Future<Void> startRoutingWatcher() {
    if (kubernetes == null) {
      return Future.succeededFuture();
    }
    routingWatcher = new RoutingObjectsWatcher(kubernetesClient(), kubernetes, routing);
    return Future.fromCompletionStage(routingWatcher.start())
        .transform(ar -> ar.succeeded() ? Future.succeededFuture() : Future.failedFuture(Problems.unwrap(ar.cause())));
  }

  private Future<Void> startEndpoints() {
    EndpointDiscovery discovery;
    if (settings.getEndpointsFile() != null) {
      discovery = new FileEndpointDiscovery(Path.of(settings.getEndpointsFile()));
    } else if (kubernetes != null) {
      poolDiscovery = new KubernetesEndpointDiscovery(kubernetesClient(), kubernetes);
      discovery = poolDiscovery;
    } else {
      return Future.succeededFuture();
    }
    if (settings.remoteSidecars()) {
      directDiscovery = discovery;
      return Future.fromCompletionStage(discovery.start(new EndpointDiscovery.Listener() {
        @Override
        public void onEndpoints(EndpointSet endpoints) {
          datastore.setEndpoints(endpoints);
        }

        @Override
        public void onError(DiscoveryException error) {
          LOG.warning(discovery.describe() + ": " + error.getMessage() + "; keeping the last good endpoint set");
        }
      })).transform(ar -> ar.succeeded() ? Future.succeededFuture() : Future.failedFuture(Problems.unwrap(ar.cause())));
    }
    // The in-process sidecar: the datastore hears of every endpoint set before the sidecar
    // publishes a vector of it.
    return EmbeddedSidecar.deploy(vertx, new EmbeddedSidecarOptions()
            .setDiscovery(ScrapeTargetDiscovery.wrap(discovery, config.metricsSource()))
            .setEndpointListener(datastore::setEndpoints)
            .setGpuProbe(settings.getGpuProbe())
            .setMockGpus(settings.getMockGpus() == null ? null : Path.of(settings.getMockGpus()))
            .setNvmlLibrary(settings.getNvmlLibrary() == null ? null : Path.of(settings.getNvmlLibrary()))
            .setCustomGpuProbe(settings.getCustomGpuProbe())
            .setEngines(config.engines())
            .setScrapeInterval(settings.getRefreshMetricsInterval())
            .setMetricsRegistry(metrics.registry()))
        .transform(ar -> {
          if (ar.failed()) {
            return Future.failedFuture(Problems.unwrap(ar.cause()));
          }
          sidecar = ar.result();
          return Future.succeededFuture();
        });
  }

  /**
   * Precise prefix-cache scorers read a replica of the sidecars' KV-cache index, kept in step over
   * the bus ({@link KvIndexReplica}: live deltas, and snapshots when it starts or sees a gap).
   */
  private Future<Void> startKvIndexReplica() {
    List<PrecisePrefixCacheScorer> precise = config.plugins().stream()
        .filter(PrecisePrefixCacheScorer.class::isInstance).map(PrecisePrefixCacheScorer.class::cast).toList();
    if (precise.isEmpty()) {
      return Future.succeededFuture();
    }
    int maxEntries = precise.stream().mapToInt(PrecisePrefixCacheScorer::maxIndexEntries).max().orElseThrow();
    KvIndexReplica replica = new KvIndexReplica(vertx, maxEntries);
    precise.forEach(p -> p.indexSource(replica::index));
    return replica.start();
  }

  /** Prefix-cache scorers: their hit-ratio metric, forgetting departed endpoints, and (clustered) sharing picks. */
  private Future<Void> startPrefixSharing() {
    List<PrefixCacheScorer> prefix = config.plugins().stream()
        .filter(PrefixCacheScorer.class::isInstance).map(PrefixCacheScorer.class::cast).toList();
    if (prefix.isEmpty()) {
      return Future.succeededFuture();
    }
    prefix.forEach(p -> {
      p.hitRatioRecorder(metrics.prefixIndexerHitRatio(p.typedName()));
      p.hitCharsRecorder(metrics.prefixIndexerHitBytes(p.typedName()));
      metrics.prefixIndexerSize(p.typedName(), () -> p.index().size());
    });
    return vertx.deployVerticle(new PrefixPickSharing(prefix, datastore, vertx.isClustered(), 10_000))
        .map(id -> {
          deployments.add(id);
          return null;
        });
  }

  private Future<Void> startExtProc() {
    AdmissionGate gate = AdmissionGate.IMMEDIATE;
    Future<Void> exchange = Future.succeededFuture();
    if (flowSettings != null) {
      StalenessPolicy staleness = new StalenessPolicy(settings.getMetricsStalenessThreshold().toMillis());
      InstantSource clock = settings.getFlowControlClock() != null ? settings.getFlowControlClock() : InstantSource.system();
      PoolSaturation poolState = new PoolSaturation(datastore, staleness, flowDetector(), InstantSource.system());
      // Active-active replicas on a clustered bus share their queues, so fairness and the
      // capacity limits hold for the pool (FlowExchange).
      PeerFlows peers = vertx.isClustered() ? new PeerFlows() : null;
      flowController = new FlowController(flowSettings, poolState, clock, PickerServer::callerExecutor,
          new FlowControlMetrics(metrics.registry(), this.pool, metrics.modelLabels()), peers);
      if (peers != null) {
        exchange = vertx.deployVerticle(new FlowExchange(flowController, peers, clock,
            FlowExchange.Timing.DEFAULT)).map(id -> {
              deployments.add(id);
              return null;
            });
      }
      flowTimer = vertx.setPeriodic(FLOW_CONTROL_TICK_MILLIS, id -> flowController.tick());
      datastore.onVectors(flowController::poke);
      gate = flowController;
    }
    if (settings.isTracing()) {
      tracing = Tracing.start(TracingEnvironment.ofProcess(tracingServiceName(config)));
    }
    ExtProcLimits limits = settings.getExtProcLimits();
    ExtProcContext ctx = new ExtProcContext(datastore, config.scheduler(metrics), routing,
        metrics, config.saturationDetector(), new FailOpen(metrics::failOpenDecision),
        settings.getMaxBodyBytes(), settings.getMetricsStalenessThreshold().toMillis(), gate,
        InstantSource.system(), limits, new RequestOptions(config.parsesBody(), tracing,
        !settings.isDisableEndpointSubsetFilter(), settings.isEmitEndpointScores(),
        settings.getGrpcMaxSendMsgSize() == null ? Long.MAX_VALUE : settings.getGrpcMaxSendMsgSize(),
        settings.isEnableGrpcStreamMetrics() ? StreamMetrics.register(metrics.registry()) : StreamMetrics.NONE));
    extProc = ctx;
    long maxMessage = settings.getGrpcMaxRecvMsgSize() == null ? ExtProcService.maxMessageBytes(ctx)
        : settings.getGrpcMaxRecvMsgSize();
    Handler<HttpServerRequest> handler = ExtProcService.handler(vertx, ctx, maxMessage, grpc -> {
      if (settings.isHealthChecking()) {
        HealthService.addStatic(grpc);
      }
    });
    ConnectionLimit connections = new ConnectionLimit(limits.getMaxConnections());
    // Each request holds its ext_proc stream until its response has gone through, and Envoy sends
    // a worker's requests over one HTTP/2 connection: Vert.x's default of 100 concurrent streams
    // queued request 101 behind the first 100 responses (benchmarks/README.md, "picker process").
    HttpServerOptions options = new HttpServerOptions().setHost(settings.getBindAddress()).setTcpNoDelay(true)
        .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(limits.getMaxStreamsPerConnection()));
    CertificateFiles certFiles = null;
    if (settings.isSecureServing()) {
      KeyCertOptions keyCert;
      if (settings.getCertPath() != null) {
        certFiles = new CertificateFiles(Path.of(settings.getCertPath()));
        keyCert = certFiles.read();
      } else {
        keyCert = SelfSignedCertificate.generate().keyCertOptions();
      }
      options.setSsl(true).setUseAlpn(true).setKeyCertOptions(keyCert);
      TlsSettings.apply(options, settings.getTlsMinVersion(), settings.getTlsCipherSuites());
    }
    CertificateFiles reload = settings.isEnableCertReload() ? certFiles : null;
    // Several servers on one port spread connections over event loops; Vert.x shares a random port
    // between servers that ask for the same negative port.
    int port = settings.getGrpcPort() == 0 ? -1 : settings.getGrpcPort();
    int servers = settings.getExtProcServers() > 0 ? settings.getExtProcServers()
        : Math.max(1, Runtime.getRuntime().availableProcessors());
    Future<Void> chain = exchange;
    for (int i = 0; i < servers; i++) {
      chain = chain.compose(v -> listen(options, handler, connections, port).map(s -> {
        extProcServers.add(s);
        return null;
      }));
    }
    return chain.onSuccess(v -> {
      if (reload != null) {
        certTimer = vertx.setPeriodic(settings.getCertReloadInterval().toMillis(), id -> reloadCertificate(reload));
      }
    });
  }

  private void reloadCertificate(CertificateFiles files) {
    PemKeyCertOptions changed = files.changed();
    if (changed == null) {
      return;
    }
    for (HttpServer s : extProcServers) {
      s.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(changed)).onComplete(ar -> {
        if (ar.failed()) {
          LOG.log(Level.WARNING, "serving certificate from " + settings.getCertPath() + " rejected: " + ar.cause().getMessage());
        } else if (Boolean.TRUE.equals(ar.result())) {
          LOG.info("serving certificate reloaded from " + settings.getCertPath());
        }
      });
    }
  }

  private Future<HttpServer> listen(HttpServerOptions options, Handler<HttpServerRequest> handler,
      ConnectionLimit connections, int port) {
    return vertx.createHttpServer(new HttpServerOptions(options).setPort(port)).connectionHandler(connections)
        .requestHandler(handler).listen();
  }

  private Future<Void> startHealth() {
    GrpcServer grpc = HealthService.server(vertx, health);
    return vertx.createHttpServer(new HttpServerOptions().setHost(settings.getBindAddress()).setPort(settings.getGrpcHealthPort()))
        .requestHandler(grpc).listen().map(s -> {
          healthServer = s;
          return null;
        });
  }

  private Future<Void> startHttp() {
    // HTTP/1.1 only: scrapers speak it, and an h2c upgrade of a large /metrics page is not worth it.
    HttpServerOptions options = new HttpServerOptions().setHost(settings.getBindAddress()).setPort(settings.getMetricsPort())
        .setHttp2ClearTextEnabled(false);
    CertificateFiles certFiles = null;
    if (settings.getMetricsCertDir() != null) {
      try {
        certFiles = new CertificateFiles(Path.of(settings.getMetricsCertDir()), "--metrics-cert-dir");
        options.setSsl(true).setKeyCertOptions(certFiles.read());
        if (settings.getMetricsClientCaFile() != null) {
          options.setClientAuth(ClientAuth.REQUIRED).setTrustOptions(TlsSettings.clientCa(settings.getMetricsClientCaFile()));
        }
      } catch (RuntimeException e) {
        return Future.failedFuture(e);
      }
    }
    MetricsAuth auth = settings.isMetricsEndpointAuth() ? new MetricsAuth(vertx, kubernetesClient()) : null;
    CertificateFiles reload = certFiles;
    return vertx.createHttpServer(options)
        .requestHandler(PickerHttp.router(vertx, datastore, metrics, auth)).listen().map(s -> {
          httpServer = s;
          if (reload != null) {
            // As the reference's certificate watcher: a rotated Secret is served without a restart.
            metricsCertTimer = vertx.setPeriodic(settings.getCertReloadInterval().toMillis(), id -> {
              PemKeyCertOptions changed = reload.changed();
              if (changed != null) {
                s.updateSSLOptions(new ServerSSLOptions().setKeyCertOptions(changed));
              }
            });
          }
          return null;
        });
  }

  /** {@code --ha-enable-leader-election}: run for the pool's Lease; readiness follows leadership. */
  private Future<Void> startLeaderElection() {
    if (!settings.isHaEnableLeaderElection()) {
      return Future.succeededFuture();
    }
    String podName = settings.getPodName();
    String namespace = kubernetes.namespace();
    String lease = LeaderElection.leaseName(namespace, kubernetes.poolRef().name(), podName,
        kubernetes.scope() == KubernetesDiscoveryOptions.Scope.SELECTOR);
    leaderElection = new LeaderElection(kubernetesClient(), namespace, lease, LeaderElection.identity(podName),
        settings.getLeaderElectionLeaseDuration(), settings.getLeaderElectionRenewDeadline(),
        settings.getLeaderElectionRetryPeriod(), health::setLeader);
    leaderElection.start();
    return Future.succeededFuture();
  }

  /**
   * The llm-d router's graceful shutdown ({@code --drain-timeout}): health answers NOT_SERVING at
   * once (so that Kubernetes and Envoy move traffic away) and the Lease is released; ext_proc keeps
   * serving, new streams included, for {@code timeout}; then the ext_proc servers stop taking
   * streams and the open ones get up to {@code timeout} more to finish. Zero: the servers close at once.
   */
  public Future<Void> drain(java.time.Duration timeout) {
    health.startDraining();
    if (leaderElection != null) {
      leaderElection.close();
    }
    if (timeout.isZero()) {
      return Future.succeededFuture();
    }
    LOG.info("draining: health NOT_SERVING, ext_proc serving for " + timeout.toMillis() + " ms more");
    io.vertx.core.Promise<Void> window = io.vertx.core.Promise.promise();
    vertx.setTimer(timeout.toMillis(), id -> window.complete());
    return window.future().compose(v -> {
      List<Future<?>> closing = new ArrayList<>();
      for (HttpServer s : extProcServers) {
        closing.add(s.shutdown(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS));
      }
      return Future.join(closing).<Void>mapEmpty();
    }).otherwiseEmpty();
  }

  /**
   * The reference's "synced": the endpoint source has spoken (an endpoint set, even empty) and, for
   * an InferencePool, the pool exists. Pods ready or not do not matter.
   */
  private boolean synced() {
    KubernetesEndpointDiscovery d = poolDiscovery;
    return datastore.synced() && (d == null || d.poolPresent());
  }

  /** What the health port answers from (leadership, drain). */
  public HealthState health() {
    return health;
  }

  public int grpcPort() {
    return extProcServers.getFirst().actualPort();
  }

  public int grpcHealthPort() {
    return healthServer.actualPort();
  }

  public int metricsPort() {
    return httpServer.actualPort();
  }

  /** What the ext_proc streams share: its limits, the buffer budget, the open streams. */
  public ExtProcContext extProc() {
    return extProc;
  }

  public Datastore datastore() {
    return datastore;
  }

  public PickerMetrics metrics() {
    return metrics;
  }

  /** The EndpointPickerConfig in force. */
  public PickerConfig config() {
    return config;
  }

  /** The options in force (a copy of those given). */
  public PickerOptions options() {
    return settings;
  }

  /** What the in-process sidecar reads the GPUs with; null without one (vectors from remote sidecars). */
  public String gpuProbe() {
    return sidecar == null ? null : sidecar.gpuProbe();
  }

  /** The routing objects in force (replaced as the Kubernetes objects change). */
  public RoutingTable routing() {
    return routing;
  }

  /** Flow control, null when its feature gate is off. */
  public FlowController flowControl() {
    return flowController;
  }

  /** Stops everything this picker started; the Vert.x stays up. */
  public Future<Void> stop() {
    if (certTimer >= 0) {
      vertx.cancelTimer(certTimer);
    }
    if (metricsCertTimer >= 0) {
      vertx.cancelTimer(metricsCertTimer);
    }
    if (leaderElection != null) {
      leaderElection.close();
    }
    if (flowTimer >= 0) {
      vertx.cancelTimer(flowTimer);
    }
    if (flowController != null) {
      flowController.close(); // queued requests are answered (shutdown) before the servers close
    }
    List<Future<?>> done = new ArrayList<>();
    for (HttpServer s : extProcServers) {
      done.add(s.close());
    }
    if (healthServer != null) {
      done.add(healthServer.close());
    }
    if (httpServer != null) {
      done.add(httpServer.close());
    }
    for (String id : deployments) {
      done.add(vertx.undeploy(id));
    }
    if (sidecar != null) {
      done.add(sidecar.close());
    }
    if (directDiscovery != null) {
      directDiscovery.close();
    }
    if (routingWatcher != null) {
      routingWatcher.close();
    }
    // The in-process sidecar closes its discovery (and so the informers) when undeployed.
    return Future.join(done).eventually(() -> {
      if (ownsKubernetesClient) {
        kubernetesClient.close();
      }
      Tracing t = tracing;
      tracing = Tracing.OFF;
      return vertx.executeBlocking(() -> { // exports the last spans: may wait on the collector
        t.close();
        return null;
      });
    }).mapEmpty();
  }

  /** {@code OTEL_SERVICE_NAME} when unset: the reference's, by the config's format. */
  static String tracingServiceName(PickerConfig config) {
    return config.flavor() == ConfigFlavor.ROUTER ? "llm-d-epp" : "gateway-api-inference-extension/epp";
  }

  @Override
  public void close() {
    try {
      stop().await(30, java.util.concurrent.TimeUnit.SECONDS);
    } catch (Exception e) {
      LOG.log(Level.WARNING, "picker did not stop cleanly: " + e);
    }
  }
}
