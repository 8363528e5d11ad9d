package dev.loadfuse.sidecar.cli;

import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.common.settings.CommandLineFlags;
import dev.loadfuse.common.settings.Durations;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsReader;
import dev.loadfuse.common.settings.SettingsSources;
import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.sidecar.SidecarOptions;
import dev.loadfuse.sidecar.SidecarVerticle;
import dev.loadfuse.sidecar.api.cluster.ClusterOptions;
import dev.loadfuse.sidecar.api.cluster.ClusterSettings;
import dev.loadfuse.sidecar.api.cluster.ClusteredVertx;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code sidecar.jar run}: the node sidecar. Runs until SIGTERM/SIGINT, then stops scraping,
 * closes the GPU probe and the HTTP server, and leaves the cluster.
 *
 * <p>Its settings are {@link SidecarOptions}, read from the settings file ({@code --config-file})
 * &lt; {@code LOADFUSE_*} environment variables &lt; flags ({@link SettingsSources}); a flag sets
 * the option of the same name, only when given (the defaults shown in {@code --help} are the
 * options' own).
 */
@Command(
    modelTransformer = ClusterSettings.Flags.class,
    name = "run",
    mixinStandardHelpOptions = true,
    description = {
        "Runs the node sidecar: discovers endpoints (an endpoints file, or this node's pods in Kubernetes",
        "when NODE_NAME is set), scrapes their metrics, reads the GPUs, and publishes one load vector per",
        "endpoint on the event bus and at GET /v1/load.",
        "Settings come from --config-file, LOADFUSE_* environment variables and these flags (flags win)."})
final class RunCommand implements Callable<Integer> {

  private static final Logger LOG = Logger.getLogger(RunCommand.class.getName());
  /** How often the settings file is read again for changed engine mappings. */
  static final Duration ENGINES_RELOAD_PERIOD = Duration.ofSeconds(1);

  @Spec CommandSpec spec;

  @Option(names = "--endpoints-file", paramLabel = "FILE", description = "Static endpoints file (YAML/JSON), reloaded when it changes.")
  Path endpointsFile;

  @Option(names = "--config-file", paramLabel = "FILE", description = "Settings file (YAML/JSON, the JSON form of SidecarOptions); its 'engines' section is re-read while running.")
  Path configFile;

  @Option(names = "--gpu-probe", paramLabel = "KIND", description = "nvml, mock, none, auto or nvml-or-mock (default: auto = nvml if it loads, else none; mock with --mock-gpus).")
  String gpuProbe;

  @Option(names = "--mock-gpus", paramLabel = "FILE", description = "Mock GPU file (implies --gpu-probe mock).")
  Path mockGpus;

  @Option(names = "--nvml-library", paramLabel = "PATH", description = "Path of libnvidia-ml.so.1 (default: the system library path).")
  Path nvmlLibrary;

  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port for /v1/load, /metrics, /healthz, /readyz (default: ${DEFAULT-VALUE}; 0 = any free port).")
  int httpPort = SidecarOptions.DEFAULT_HTTP_PORT;

  @Option(names = "--http-host", paramLabel = "HOST", description = "Address to bind the HTTP server (default: ${DEFAULT-VALUE}).")
  String httpHost = SidecarOptions.DEFAULT_HTTP_HOST;

  @Option(names = "--scrape-interval", paramLabel = "DURATION", description = "Time between scrapes of one endpoint (default: ${DEFAULT-VALUE}).")
  String scrapeInterval = Durations.format(SidecarOptions.DEFAULT_SCRAPE_INTERVAL);

  @Option(names = "--scrape-timeout", paramLabel = "DURATION", description = "Timeout of one scrape (default: ${DEFAULT-VALUE}).")
  String scrapeTimeout = Durations.format(SidecarOptions.DEFAULT_SCRAPE_TIMEOUT);

  @Option(names = "--scrape-failure-threshold", paramLabel = "N", description = "Failed scrapes in a row before an endpoint is reported unhealthy; each failure shows in lastError at once (default: ${DEFAULT-VALUE}).")
  int scrapeFailureThreshold = SidecarOptions.DEFAULT_SCRAPE_FAILURE_THRESHOLD;

  @Option(names = "--gpu-sample-interval", paramLabel = "DURATION", description = "Time between GPU samples (default: ${DEFAULT-VALUE}).")
  String gpuSampleInterval = Durations.format(SidecarOptions.DEFAULT_GPU_SAMPLE_INTERVAL);

  @Option(names = "--node-name", paramLabel = "NAME", description = "This node's name for Kubernetes discovery (default: env NODE_NAME).")
  String nodeName;

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
    Vertx vertx = null;
    GpuProbe probe = null;
    try {
      SidecarOptions options;
      ClusterOptions cluster;
      try {
        options = options();
        cluster = options.isCluster() ? options.clusterOptions() : null;
        probe = GpuProbes.open(options.getGpuProbe(), path(options.getMockGpus()), path(options.getNvmlLibrary()));
      } catch (RuntimeException e) {
        err.println("run: " + Problems.message(e));
        return Problems.exitCode(e);
      }
      String probeDescription = describeProbe(options);
      options.setCustomGpuProbe(probe);
      probe = null; // the verticle owns it now
      vertx = options.isCluster() ? ClusteredVertx.start(cluster, busOn(options.getClusterSettings().busPort())).await(60, TimeUnit.SECONDS)
          : Vertx.vertx();

      SidecarVerticle sidecar = new SidecarVerticle(options);
      try {
        vertx.deployVerticle(sidecar).await(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        err.println("run: cannot start: " + Problems.message(e));
        return Problems.exitCode(e);
      }
      watchEngines(vertx, sidecar, options.getEngines());

      Vertx toClose = vertx;
      CountDownLatch closed = new CountDownLatch(1);
      // The stop signals are handled before the sidecar says it is up: a SIGTERM right after that
      // line must find the handler (else the JVM's default exit 143).
      try (StopSignals signals = StopSignals.install(stopSignal::countDown, closed)) {
        out.println("loadfuse sidecar: " + describeEndpoints(options) + ", " + sidecar.vectors().size()
            + " endpoint(s), GPU probe " + probeDescription
            + ", http://" + options.getHttpHost() + ":" + sidecar.httpPort() + "/v1/load"
            + (cluster == null ? "" : cluster.secret() != null ? ", clustered (sealed)" : ", clustered (INSECURE)"));
        out.flush();
        onServing.accept(sidecar.httpPort());
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
      err.println("run: " + Problems.message(e));
      return Problems.exitCode(e);
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

  /** The settings: file &lt; environment &lt; flags, read and checked. */
  SidecarOptions options() {
    return SidecarOptions.read(settings()).validate();
  }

  private SettingsNode settings() {
    return SettingsSources.stack(SidecarOptions.FILE_READER, configFile,
        SettingsSources.environment(environment, SidecarOptions.SCALAR_KEYS, SidecarOptions.ENVIRONMENT_FALLBACKS),
        CommandLineFlags.given(spec, SidecarOptions.SCALAR_KEYS));
  }

  private static VertxOptions busOn(int port) {
    VertxOptions vertxOptions = new VertxOptions();
    vertxOptions.getEventBusOptions().setPort(port);
    return vertxOptions;
  }

  private static Path path(String file) {
    return file == null ? null : Path.of(file);
  }

  private static String describeProbe(SidecarOptions options) {
    GpuProbeKind kind = options.getGpuProbe();
    return kind == GpuProbeKind.MOCK ? "mock (" + options.getMockGpus() + ")" : kind.id();
  }

  private static String describeEndpoints(SidecarOptions options) {
    return options.getEndpointsFile() != null ? "file " + options.getEndpointsFile()
        : "kubernetes pods on node " + options.getNodeName();
  }

  /**
   * Re-reads the settings file's engine mappings while running; a bad change keeps the old ones,
   * with one warning naming the file and what is wrong (a wrong type anywhere in the file, e.g.
   * {@code engines: 5}, an unknown key, a syntax error, a file over the size limit). Changes are
   * judged against the section in force, so an edit made between the start and the first check
   * is not lost. The file is read off the event loop.
   */
  private void watchEngines(Vertx vertx, SidecarVerticle sidecar, JsonObject applied) {
    if (configFile == null) {
      return;
    }
    String[] inForce = {applied == null ? "{}" : applied.encode()};
    String[] lastRead = {null};
    boolean[] busy = {false};
    vertx.setPeriodic(ENGINES_RELOAD_PERIOD.toMillis(), id -> {
      if (busy[0]) {
        return;
      }
      busy[0] = true;
      vertx.executeBlocking(() -> {
        String text = SidecarOptions.FILE_READER.readText(configFile);
        if (text.equals(lastRead[0])) {
          return null; // unchanged since the last look, good or bad: reported once
        }
        lastRead[0] = text;
        SidecarOptions reread = reread(text);
        JsonObject engines = reread.getEngines();
        String json = engines == null ? "{}" : engines.encode();
        if (json.equals(inForce[0])) {
          return null;
        }
        inForce[0] = json;
        return reread.getEnginesConfig();
      }).onComplete(ar -> {
        busy[0] = false;
        if (ar.failed()) {
          LOG.log(Level.WARNING, "config change rejected, keeping the previous engine mappings: "
              + withFile(Problems.message(ar.cause())));
        } else if (ar.result() != null) {
          sidecar.updateEngines(ar.result());
          LOG.info("engine mappings reloaded from " + configFile + ": " + ar.result());
        }
      });
    });
  }

  /** The settings file read again as a whole, as strictly as at start (only its engines are applied). */
  private SidecarOptions reread(String text) {
    SettingsNode root = SidecarOptions.FILE_READER.parse(configFile.toString(), text, SettingsReader.Format.of(configFile));
    if (root.isMissing()) {
      return new SidecarOptions();
    }
    root.requireMap("a map of settings");
    return SidecarOptions.read(root);
  }

  private String withFile(String message) {
    return message.startsWith(configFile.toString()) ? message : configFile + ": " + message;
  }
}
