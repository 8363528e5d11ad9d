package dev.loadfuse.sidecar.cli;

import dev.loadfuse.engine.config.EngineConfigException;
import dev.loadfuse.engine.config.EngineConfigLoader;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeResult;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.sidecar.SidecarVerticle;
import dev.loadfuse.sidecar.cluster.ClusterOptions;
import dev.loadfuse.sidecar.cluster.ClusteredVertx;
import dev.loadfuse.common.settings.Durations;
import dev.loadfuse.sidecar.config.SidecarConfig;
import dev.loadfuse.sidecar.config.SidecarConfigSources;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.file.FileEndpointDiscovery;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions;
import dev.loadfuse.discovery.kubernetes.KubernetesEndpointDiscovery;
import dev.loadfuse.sidecar.gpu.PodGpus;
import dev.loadfuse.sidecar.gpu.PodResourcesClient;
import dev.loadfuse.sidecar.gpu.PodResourcesGpuAttribution;
import dev.loadfuse.sidecar.gpu.PodResourcesOptions;
import dev.loadfuse.sidecar.http.SidecarHttpServer;
import dev.loadfuse.sidecar.scrape.ScrapeOptions;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.vertx.config.ConfigRetriever;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sidecar.jar run}: the node sidecar. Runs until SIGTERM/SIGINT, then stops scraping,
 * closes the GPU probe and the HTTP server, and leaves the cluster.
 */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
        "Runs the node sidecar: discovers endpoints (an endpoints file, or this node's pods in Kubernetes",
        "when NODE_NAME is set), scrapes their metrics, reads the GPUs, and publishes one load vector per",
        "endpoint on the event bus and at GET /v1/load.",
        "Settings come from --config-file, LOADFUSE_* environment variables and these flags (flags win)."})
final class RunCommand implements Callable<Integer> {

  private static final Logger LOG = Logger.getLogger(RunCommand.class.getName());
  private static final long POD_RESOURCES_REFRESH_MS = 2000;

  @Spec CommandSpec spec;

  @Option(names = "--endpoints-file", paramLabel = "FILE", description = "Static endpoints file (YAML/JSON), reloaded when it changes.")
  Path endpointsFile;

  @Option(names = "--config-file", paramLabel = "FILE", description = "Sidecar config file (YAML/JSON); its 'engines' section is re-read while running.")
  Path configFile;

  @Option(names = "--gpu-probe", paramLabel = "KIND", description = "nvml, mock, none or auto (default: auto = nvml if it loads, else none).")
  String gpuProbe;

  @Option(names = "--mock-gpus", paramLabel = "FILE", description = "Mock GPU file (implies --gpu-probe mock).")
  Path mockGpus;

  @Option(names = "--nvml-library", paramLabel = "PATH", description = "Path of libnvidia-ml.so.1 (default: the system library path).")
  Path nvmlLibrary;

  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port for /v1/load, /metrics, /healthz, /readyz (default: 9400; 0 = any free port).")
  Integer httpPort;

  @Option(names = "--http-host", paramLabel = "HOST", description = "Address to bind the HTTP server (default: 0.0.0.0).")
  String httpHost;

  @Option(names = "--scrape-interval", paramLabel = "DURATION", description = "Time between scrapes of one endpoint (default: 50ms).")
  String scrapeInterval;

  @Option(names = "--scrape-timeout", paramLabel = "DURATION", description = "Timeout of one scrape (default: 1s).")
  String scrapeTimeout;

  @Option(names = "--gpu-sample-interval", paramLabel = "DURATION", description = "Time between GPU samples (default: 100ms).")
  String gpuSampleInterval;

  @Option(names = "--node-name", paramLabel = "NAME", description = "This node's name for Kubernetes discovery (default: env NODE_NAME).")
  String nodeName;

  @Option(names = "--cluster", description = "Join the clustered event bus (Hazelcast) so pickers on other nodes receive the vectors.")
  Boolean cluster;

  @Option(names = "--cluster-members", paramLabel = "HOST:PORT,...", description = "Hazelcast members to join (local runs); in Kubernetes use --cluster-service.")
  String clusterMembers;

  @Option(names = "--cluster-host", paramLabel = "HOST", description = "Address this member binds and advertises.")
  String clusterHost;

  @Option(names = "--cluster-port", paramLabel = "PORT", description = "Hazelcast member port (default: 5701).")
  Integer clusterPort;

  @Option(names = "--cluster-service", paramLabel = "NAME", description = "Headless Service whose pods form the cluster (Kubernetes discovery).")
  String clusterService;

  /** Set by tests to stop the command without a signal. */
  CountDownLatch stopSignal = new CountDownLatch(1);
  /** Environment, replaceable in tests. */
  Map<String, String> environment = System.getenv();
  /** Called once serving, with the HTTP port (tests read it). */
  java.util.function.IntConsumer onServing = port -> {};

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    PrintWriter out = spec.commandLine().getOut();
    Vertx boot = Vertx.vertx();
    Vertx vertx = boot;
    GpuProbe probe = null;
    try {
      SidecarConfig config;
      ModelServerMetricsConfig engines;
      try {
        JsonObject flags = flags();
        ConfigRetriever initial = SidecarConfigSources.retriever(boot, configFile, environment, flags, SidecarConfigSources.DEFAULT_SCAN_PERIOD);
        JsonObject json = initial.getConfig().await(30, TimeUnit.SECONDS);
        initial.close();
        config = SidecarConfig.fromJson(json);
        engines = engines(config.engines());
      } catch (IllegalArgumentException | EngineConfigException e) {
        err.println("run: " + e.getMessage());
        return SidecarMain.EXIT_USAGE;
      } catch (Exception e) {
        err.println("run: cannot read the configuration: " + rootMessage(e));
        return SidecarMain.EXIT_USAGE;
      }

      try {
        probe = openProbe(config, err);
      } catch (IllegalArgumentException e) {
        err.println("run: " + e.getMessage());
        return SidecarMain.EXIT_USAGE;
      }
      if (probe == null) {
        return SidecarMain.EXIT_UNAVAILABLE;
      }

      if (config.cluster()) {
        ClusterOptions clusterOptions;
        try {
          clusterOptions = new ClusterOptions(config.clusterMembers(), config.clusterHost(),
              config.clusterPort(), config.clusterService(), config.namespace(), null);
        } catch (IllegalArgumentException e) {
          err.println("run: " + e.getMessage());
          return SidecarMain.EXIT_USAGE;
        }
        vertx = ClusteredVertx.start(clusterOptions, new VertxOptions()).await(60, TimeUnit.SECONDS);
        boot.close();
      }

      boolean local = config.endpointsFile() != null;
      EndpointDiscovery discovery = local
          ? new FileEndpointDiscovery(Path.of(config.endpointsFile()))
          : kubernetesDiscovery(config);
      // Local: each endpoint's GPUs are listed in the endpoints file. Kubernetes: the kubelet
      // PodResources API says which GPUs each pod was given.
      PodResourcesGpuAttribution podGpus = local ? null : new PodResourcesGpuAttribution(
          new PodResourcesClient(PodResourcesOptions.DEFAULTS.withSocket(Path.of(config.podResourcesSocket()))));
      if (podGpus != null) {
        try {
          podGpus.refresh().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.warning("GPU attribution: " + rootMessage(e) + "; endpoints get their GPUs once the kubelet answers");
        }
      }

      SidecarVerticle sidecar = new SidecarVerticle(new SidecarVerticle.Settings(
          discovery,
          podGpus == null ? null : podGpus::attribute,
          probe,
          engines,
          new ScrapeOptions(config.scrapeInterval(), config.scrapeTimeout(), config.maxPageBytes(),
              ScrapeOptions.DEFAULT_MAX_BACKOFF.compareTo(config.scrapeInterval()) < 0
                  ? config.scrapeInterval() : ScrapeOptions.DEFAULT_MAX_BACKOFF),
          config.gpuSampleInterval(),
          config.publishHeartbeat(),
          null));
      probe = null; // the verticle owns it now
      try {
        vertx.deployVerticle(sidecar).await(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        err.println("run: cannot start: " + message(e));
        return SidecarMain.EXIT_USAGE;
      }
      HttpServer http;
      try {
        http = SidecarHttpServer.start(vertx, sidecar, config.httpHost(), config.httpPort()).await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        err.println("run: cannot listen on " + config.httpHost() + ":" + config.httpPort() + ": " + rootMessage(e));
        return SidecarMain.EXIT_USAGE;
      }
      watchEngines(vertx, sidecar, flags(), config.engines());
      if (podGpus != null) {
        refreshPodGpus(vertx, podGpus, sidecar);
      }

      out.println("loadfuse sidecar: " + discovery.describe() + ", " + sidecar.vectors().size()
          + " endpoint(s), GPU probe " + describeProbe(config)
          + ", http://" + config.httpHost() + ":" + http.actualPort() + "/v1/load"
          + (config.cluster() ? ", clustered" : ""));
      out.flush();
      onServing.accept(http.actualPort());

      Vertx toClose = vertx;
      CountDownLatch closed = new CountDownLatch(1);
      try (StopSignals signals = StopSignals.install(stopSignal::countDown, closed)) {
        stopSignal.await();
        vertx = null;
        toClose.close().await(30, TimeUnit.SECONDS);
      } finally {
        closed.countDown();
      }
      return SidecarMain.EXIT_OK;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return SidecarMain.EXIT_OK;
    } catch (Exception e) {
      err.println("run: " + rootMessage(e));
      return SidecarMain.EXIT_USAGE;
    } finally {
      if (probe != null) {
        probe.close();
      }
      if (vertx != null) {
        try {
          vertx.close().await(30, TimeUnit.SECONDS);
        } catch (Exception ignored) {
          // best effort on the error path
        }
      }
    }
  }

  private JsonObject flags() {
    JsonObject f = new JsonObject();
    putIf(f, "endpointsFile", endpointsFile == null ? null : endpointsFile.toString());
    putIf(f, "gpuProbe", gpuProbe);
    putIf(f, "mockGpus", mockGpus == null ? null : mockGpus.toString());
    putIf(f, "nvmlLibrary", nvmlLibrary == null ? null : nvmlLibrary.toString());
    putIf(f, "httpPort", httpPort);
    putIf(f, "httpHost", httpHost);
    putIf(f, "scrapeInterval", scrapeInterval);
    putIf(f, "scrapeTimeout", scrapeTimeout);
    putIf(f, "gpuSampleInterval", gpuSampleInterval);
    putIf(f, "nodeName", nodeName);
    putIf(f, "cluster", cluster);
    putIf(f, "clusterMembers", clusterMembers);
    putIf(f, "clusterHost", clusterHost);
    putIf(f, "clusterPort", clusterPort);
    putIf(f, "clusterService", clusterService);
    if (clusterMembers != null && cluster == null) {
      f.put("cluster", true);
    }
    return f;
  }

  private static void putIf(JsonObject o, String key, Object value) {
    if (value != null) {
      o.put(key, value);
    }
  }

  /** Opens the configured probe; null (after printing why) when NVML was demanded but is absent. */
  private static GpuProbe openProbe(SidecarConfig config, PrintWriter err) {
    return switch (config.gpuProbe()) {
      case NONE -> GpuProbes.none("GPU probe disabled (--gpu-probe none)");
      case MOCK -> GpuProbes.mock(Path.of(config.mockGpusFile()));
      case NVML -> switch (nvml(config)) {
        case GpuProbeResult.Available a -> a.probe();
        case GpuProbeResult.Unavailable u -> {
          err.println("run: NVML unavailable: " + u.reason());
          yield null;
        }
      };
      case AUTO -> switch (nvml(config)) {
        case GpuProbeResult.Available a -> a.probe();
        case GpuProbeResult.Unavailable u -> {
          LOG.info("no GPU telemetry: " + u.reason() + " (use --mock-gpus FILE for local runs)");
          yield GpuProbes.none(u.reason());
        }
      };
    };
  }

  private static GpuProbeResult nvml(SidecarConfig config) {
    return config.nvmlLibrary() == null ? GpuProbes.nvml() : GpuProbes.nvml(Path.of(config.nvmlLibrary()));
  }

  private static String describeProbe(SidecarConfig config) {
    return switch (config.gpuProbe()) {
      case MOCK -> "mock (" + config.mockGpusFile() + ")";
      case NVML -> "nvml";
      case NONE -> "none";
      case AUTO -> "auto";
    };
  }

  private static EndpointDiscovery kubernetesDiscovery(SidecarConfig config) {
    KubernetesDiscoveryOptions options = KubernetesDiscoveryOptions.forNode(config.nodeName());
    if (config.namespace() != null) {
      options = options.withNamespace(config.namespace());
    }
    return new KubernetesEndpointDiscovery(new KubernetesClientBuilder().build(), options);
  }

  /** Re-reads the pod → GPU map every 2 s; endpoints are re-attributed when it changes. */
  private static void refreshPodGpus(Vertx vertx, PodResourcesGpuAttribution podGpus, SidecarVerticle sidecar) {
    String[] lastError = new String[1];
    vertx.setPeriodic(POD_RESOURCES_REFRESH_MS, id -> {
      PodGpus before = podGpus.current();
      podGpus.refresh().whenComplete((after, err) -> {
        if (err != null) {
          String message = rootMessage(err);
          if (!message.equals(lastError[0])) {
            LOG.warning("GPU attribution: " + message + "; keeping the last known pod GPUs");
            lastError[0] = message;
          }
        } else {
          lastError[0] = null;
          if (!after.equals(before)) {
            sidecar.reattribute();
          }
        }
      });
    });
  }

  /**
   * Decodes the {@code engines} section. Through JSON text rather than {@code getMap()}: the map
   * holds Vert.x {@code JsonArray}s, which Jackson does not see as lists.
   */
  private ModelServerMetricsConfig engines(JsonObject section) {
    try {
      return EngineConfigLoader.fromParametersText(section.encode());
    } catch (EngineConfigException e) {
      EngineConfigException inSection = e.withParentPath("engines");
      throw configFile == null ? inSection : inSection.withContext(configFile.toString());
    }
  }

  /**
   * Re-reads the config file's engine mappings while running; a bad change keeps the old ones.
   * Changes are judged against the section in force ({@code applied}), not against the
   * retriever's previous read, so an edit made between the boot read and the watcher's first
   * scan is not lost.
   */
  private void watchEngines(Vertx vertx, SidecarVerticle sidecar, JsonObject flags, JsonObject applied) {
    if (configFile == null) {
      return;
    }
    JsonObject[] inForce = {applied};
    ConfigRetriever retriever = SidecarConfigSources.retriever(vertx, configFile, environment, flags, SidecarConfigSources.DEFAULT_SCAN_PERIOD);
    retriever.listen(change -> {
      JsonObject after = change.getNewConfiguration().getJsonObject("engines", new JsonObject());
      if (after.equals(inForce[0])) {
        return;
      }
      try {
        ModelServerMetricsConfig engines = engines(after);
        sidecar.updateEngines(engines);
        inForce[0] = after;
        LOG.info("engine mappings reloaded from " + configFile + ": " + engines);
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "config change rejected, keeping the previous engine mappings: " + e.getMessage());
      }
    });
  }

  /**
   * The message of {@code t}, looking through wrappers only ({@link CompletionException}, {@link
   * ExecutionException}, exceptions without a message): unlike {@link #rootMessage} it keeps the
   * context a {@code DiscoveryException} adds (file and entry) to its cause.
   */
  static String message(Throwable t) {
    Throwable c = t;
    while ((c instanceof CompletionException || c instanceof ExecutionException || c.getMessage() == null)
        && c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    String m = c.getMessage();
    return m == null ? c.getClass().getSimpleName() : m;
  }

  static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    String m = c.getMessage();
    return m == null ? c.getClass().getSimpleName() : m;
  }

  @SuppressWarnings("unused")
  private static String fmt(java.time.Duration d) {
    return Durations.format(d);
  }
}
