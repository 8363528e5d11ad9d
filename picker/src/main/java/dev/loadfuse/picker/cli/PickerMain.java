package dev.loadfuse.picker.cli;

import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.common.settings.CommandLineFlags;
import dev.loadfuse.common.settings.ByteSizes;
import dev.loadfuse.common.settings.Durations;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsSources;
import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.picker.extproc.ExtProcLimits;
import dev.loadfuse.picker.server.PickerOptions;
import dev.loadfuse.picker.server.PickerServer;
import dev.loadfuse.sidecar.api.cluster.ClusterOptions;
import dev.loadfuse.sidecar.api.cluster.ClusteredVertx;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code picker.jar}: the endpoint picker. Flags carry the reference picker's names and defaults;
 * {@code --endpoints-file}, {@code --objects-file}, {@code --cluster*}, {@code --max-body-bytes}, the
 * limits ({@code --bind-address}, {@code --max-connections}, {@code --max-*-streams}, {@code
 * --request-*timeout}, {@code --max-buffered-bytes}, {@code --route-to-announced-endpoints}),
 * {@code --gpu-probe}, {@code --mock-gpus}, {@code --nvml-library} and {@code --options-file} are
 * ours. Its settings are {@link PickerOptions}, read from the options file &lt; {@code LOADFUSE_*}
 * environment variables &lt; flags ({@link SettingsSources}); a flag sets the option of the same
 * name, only when given. Runs until SIGTERM/SIGINT. Exit codes ({@link Problems}): 0 after a clean
 * stop, 2 for bad flags, settings or config (one line naming what is wrong), 3 when {@code
 * --gpu-probe nvml} is demanded but NVML is unavailable.
 */
@Command(
    name = "picker",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "loadfuse endpoint picker: an Envoy ext_proc server that picks the model-server endpoint of each "
            + "inference request from the endpoints' load (engine metrics and GPU state).",
        "Local mode: --endpoints-file FILE (an in-process sidecar scrapes those model servers and reads the GPUs:"
            + " NVML, or --mock-gpus FILE).",
        "Kubernetes mode: --pool-name NAME [--pool-namespace NS], or without CRDs --endpoint-selector k=v,... "
            + "--endpoint-target-ports PORT,... (pods, InferenceObjectives and InferenceModelRewrites watched).",
        "Cluster mode: --cluster --cluster-members host:port,... (load vectors from remote sidecars).",
        "Settings come from --options-file, LOADFUSE_* environment variables and these flags (flags win)."})
public final class PickerMain implements Callable<Integer> {

  public static final int EXIT_OK = Problems.EXIT_OK;
  public static final int EXIT_USAGE = Problems.EXIT_USAGE;
  public static final int EXIT_UNAVAILABLE = Problems.EXIT_UNAVAILABLE;

  private static final Logger LOG = Logger.getLogger(PickerMain.class.getName());
  /** Where the namespace comes from when no setting names it (the Kubernetes downward API). */
  private static final String NAMESPACE_ENV = "NAMESPACE";

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--options-file", paramLabel = "FILE", description = "Settings file (YAML/JSON, the JSON form of PickerOptions: the flags' names in camel case); environment variables and flags override it.")
  Path optionsFile;

  @Option(names = "--grpc-port", paramLabel = "PORT", description = "ext_proc gRPC port (default: ${DEFAULT-VALUE}).")
  int grpcPort = PickerOptions.DEFAULT_GRPC_PORT;

  @Option(names = "--grpc-health-port", paramLabel = "PORT", description = "gRPC health port (default: ${DEFAULT-VALUE}).")
  int grpcHealthPort = PickerOptions.DEFAULT_GRPC_HEALTH_PORT;

  @Option(names = "--metrics-port", paramLabel = "PORT", description = "Prometheus /metrics and GET /v1/endpoints (default: ${DEFAULT-VALUE}).")
  int metricsPort = PickerOptions.DEFAULT_METRICS_PORT;

  @Option(names = "--config-file", paramLabel = "FILE", description = "EndpointPickerConfig YAML (default: queue-scorer 2, kv-cache-utilization-scorer 2, prefix-cache-scorer 3, max-score-picker).")
  Path configFile;

  @Option(names = "--config-text", paramLabel = "YAML", description = "EndpointPickerConfig given inline (instead of --config-file).")
  String configText;

  @Option(names = "--pool-name", paramLabel = "NAME", description = "InferencePool to watch (Kubernetes mode); with --endpoints-file it only names the pool in metrics and filters --objects-file.")
  String poolName;

  @Option(names = "--pool-namespace", paramLabel = "NS", description = "Namespace of the pool, its pods and routing objects (default: env NAMESPACE, else \"" + PickerOptions.DEFAULT_POOL_NAMESPACE + "\").")
  String poolNamespace;

  @Option(names = "--endpoint-selector", paramLabel = "K=V,...", description = "Without CRDs: the pods to route to, by labels (instead of --pool-name).")
  String endpointSelector;

  @Option(names = "--endpoint-target-ports", paramLabel = "PORT,...", description = "Without CRDs: the model-server ports of each selected pod (1 to 8; one endpoint each).")
  String endpointTargetPorts;

  @Option(names = "--refresh-metrics-interval", paramLabel = "DURATION", description = "Scrape interval of the in-process sidecar (default: ${DEFAULT-VALUE}).")
  String refreshMetricsInterval = Durations.format(PickerOptions.DEFAULT_REFRESH_METRICS_INTERVAL);

  @Option(names = "--metrics-staleness-threshold", paramLabel = "DURATION", description = "Engine samples older than this count as absent (default: ${DEFAULT-VALUE}).")
  String metricsStalenessThreshold = Durations.format(PickerOptions.DEFAULT_METRICS_STALENESS_THRESHOLD);

  @Option(names = "--secure-serving", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "TLS on the ext_proc port, self-signed unless --cert-path (default: ${DEFAULT-VALUE}).")
  boolean secureServing = PickerOptions.DEFAULT_SECURE_SERVING;

  @Option(names = "--cert-path", paramLabel = "DIR", description = "Directory with tls.crt and tls.key, reloaded when they change.")
  Path certPath;

  @Option(names = {"-v", "--v"}, paramLabel = "LEVEL", description = "Log verbosity: 0 warnings, 1-2 info, 3-4 debug, 5+ trace (default: 0).")
  int verbosity;

  @Option(names = "--endpoints-file", paramLabel = "FILE", description = "Static endpoints file (the sidecar's format), reloaded when it changes.")
  Path endpointsFile;

  @Option(names = "--objects-file", paramLabel = "FILE", description = "InferenceObjective and InferenceModelRewrite objects (Kubernetes YAML, several documents).")
  Path objectsFile;

  @Option(names = "--max-body-bytes", paramLabel = "BYTES", description = "Largest request body accepted; larger is refused with 413 (default: ${DEFAULT-VALUE} = "
      + "32 MiB; 32Mi is accepted too).")
  String maxBodyBytes = Integer.toString(PickerOptions.DEFAULT_MAX_BODY_BYTES);

  @Option(names = "--gpu-probe", paramLabel = "KIND", description = "GPUs of the in-process sidecar: nvml, mock, none, auto or nvml-or-mock (default: auto = nvml if it loads, else none; mock with --mock-gpus).")
  String gpuProbe;

  @Option(names = "--mock-gpus", paramLabel = "FILE", description = "Mock GPU file for the in-process sidecar (implies --gpu-probe mock).")
  Path mockGpus;

  @Option(names = "--nvml-library", paramLabel = "PATH", description = "Path of libnvidia-ml.so.1 (default: the system library path).")
  Path nvmlLibrary;

  @Option(names = "--cluster", description = "Take load vectors from remote sidecars on the clustered event bus (Hazelcast) instead of an in-process sidecar.")
  boolean cluster;

  @Option(names = "--cluster-members", paramLabel = "HOST:PORT,...", description = "Hazelcast members to join (implies --cluster).")
  String clusterMembers;

  @Option(names = "--cluster-service", paramLabel = "NAME", description = "Headless Service whose pods are cluster members (Hazelcast Kubernetes discovery, in the namespace of --pool-namespace, else env NAMESPACE, else default; implies --cluster).")
  String clusterService;

  @Option(names = "--cluster-host", paramLabel = "HOST", description = "Address this member binds and advertises.")
  String clusterHost;

  @Option(names = "--cluster-port", paramLabel = "PORT", description = "Hazelcast member port (default: ${DEFAULT-VALUE}; 0 = any).")
  int clusterPort = ClusterOptions.DEFAULT_PORT;

  @Option(names = "--cluster-bus-port", paramLabel = "PORT", description = "The clustered event bus's TCP port (default: ${DEFAULT-VALUE} = any free port).")
  int clusterBusPort = ClusterOptions.DEFAULT_BUS_PORT;

  @Option(names = "--cluster-secret-file", paramLabel = "FILE", description = "The cluster's shared secret, the sidecars' (at least 32 bytes; in Kubernetes a mounted Secret): members prove it to join, and every bus message is sealed with it. Required with --cluster unless --cluster-insecure.")
  Path clusterSecretFile;

  @Option(names = "--cluster-insecure", description = "Join a cluster without a secret: unauthenticated and unencrypted, for a test on one machine.")
  boolean clusterInsecure;

  // Limits and surface bounds (picker/README.md, "Limits"), kept together.

  @Option(names = "--bind-address", paramLabel = "ADDRESS", description = "Address the ext_proc, health and metrics ports bind (default: ${DEFAULT-VALUE}).")
  String bindAddress = PickerOptions.DEFAULT_BIND_ADDRESS;

  @Option(names = "--route-to-announced-endpoints", description = "With --cluster and no --endpoints-file/--pool-name: route to every endpoint a cluster member announces (without it such a picker does not start).")
  boolean routeToAnnouncedEndpoints;

  @Option(names = "--max-connections", paramLabel = "N", description = "Connections the ext_proc port holds; more are closed as they open (default: ${DEFAULT-VALUE}).")
  int maxConnections = ExtProcLimits.DEFAULT_MAX_CONNECTIONS;

  @Option(names = "--max-streams-per-connection", paramLabel = "N", description = "ext_proc streams one connection may have open (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS; default: ${DEFAULT-VALUE}).")
  int maxStreamsPerConnection = ExtProcLimits.DEFAULT_MAX_STREAMS_PER_CONNECTION;

  @Option(names = "--max-open-streams", paramLabel = "N", description = "ext_proc streams open across connections; one more is answered 503 (default: ${DEFAULT-VALUE}).")
  int maxOpenStreams = ExtProcLimits.DEFAULT_MAX_OPEN_STREAMS;

  @Option(names = "--request-idle-timeout", paramLabel = "DURATION", description = "Longest wait for the next ext_proc message while a request is read; then 408 (default: ${DEFAULT-VALUE}).")
  String requestIdleTimeout = Durations.format(ExtProcLimits.DEFAULT_REQUEST_IDLE_TIMEOUT);

  @Option(names = "--request-timeout", paramLabel = "DURATION", description = "Longest time for a request to arrive whole from its stream's start; then 408 (default: ${DEFAULT-VALUE}).")
  String requestTimeout = Durations.format(ExtProcLimits.DEFAULT_REQUEST_TIMEOUT);

  @Option(names = "--max-buffered-bytes", paramLabel = "BYTES", description = "Bytes of bodies buffered across streams (in the gRPC decoder, being assembled, waiting to be routed, responses held); a body over it is answered 503 (default: ${DEFAULT-VALUE}).")
  String maxBufferedBytes = ByteSizes.format(ExtProcLimits.DEFAULT_MAX_BUFFERED_BYTES);

  /** The environment; replaced in tests. */
  Map<String, String> environment = System.getenv();
  /** Stops the command without a signal (tests). */
  CountDownLatch stopSignal = new CountDownLatch(1);
  /** Called once serving (tests read the ports). */
  Consumer<PickerServer> onServing = s -> {};

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return commandLine(new PickerMain(), out, err).execute(args);
  }

  static CommandLine commandLine(PickerMain main, PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(main).setOut(out).setErr(err);
    cli.setParameterExceptionHandler((ex, a) -> {
      ex.getCommandLine().getErr().println("picker: " + ex.getMessage());
      return EXIT_USAGE;
    });
    return cli;
  }

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PickerOptions options;
    ClusterOptions cluster = null;
    GpuProbe probe = null;
    Logging.configure(verbosity);
    try {
      options = options();
      // Loaded now, so that a bad config or objects file stops the start with its own message.
      options.setConfig(options.loadConfig()).setRouting(options.loadRouting());
      if (options.remoteSidecars()) {
        cluster = options.clusterOptions(); // reads the secret file: a bad one stops the start here
      }
      if (!options.remoteSidecars()) {
        // As sidecar.jar run does: NVML demanded but absent is exit 3, a bad mock file exit 2.
        probe = GpuProbes.open(options.getGpuProbe(), path(options.getMockGpus()), path(options.getNvmlLibrary()));
        options.setCustomGpuProbe(probe);
      }
    } catch (RuntimeException e) {
      err.println("picker: " + Problems.message(e));
      err.flush();
      return Problems.exitCode(e);
    }
    Vertx vertx = null;
    PickerServer server = null;
    try {
      VertxOptions vertxOptions = new VertxOptions();
      vertxOptions.getEventBusOptions().setPort(options.getClusterBusPort());
      vertx = cluster != null ? ClusteredVertx.start(cluster, vertxOptions).await(60, TimeUnit.SECONDS) : Vertx.vertx();
      try {
        server = PickerServer.start(vertx, options).await(60, TimeUnit.SECONDS);
        probe = null; // the in-process sidecar owns it
      } catch (Exception e) {
        err.println("picker: cannot start: " + Problems.message(e));
        err.flush();
        return Problems.exitCode(e);
      }
      // The stop hook is in place before the picker says it is up: a SIGTERM right after that line
      // must find it.
      Thread hook = new Thread(stopSignal::countDown, "loadfuse-picker-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
      out.println("loadfuse picker: ext_proc " + (options.isSecureServing() ? "(TLS) " : "") + "on :" + server.grpcPort()
          + ", health on :" + server.grpcHealthPort() + ", metrics on :" + server.metricsPort()
          + ", " + server.datastore().all().length + " endpoint(s)"
          + (options.getEndpointsFile() != null ? " from " + options.getEndpointsFile() : "")
          + (options.kubernetes() != null ? " from " + options.kubernetes().describe() : "")
          + (options.remoteSidecars() ? ", load from remote sidecars"
              : ", in-process sidecar (GPUs: " + server.gpuProbe() + ")"));
      out.flush();
      onServing.accept(server);
      stopSignal.await();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // in shutdown already
      }
      return EXIT_OK;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return EXIT_OK;
    } catch (Exception e) {
      err.println("picker: " + Problems.message(e));
      err.flush();
      return Problems.exitCode(e);
    } finally {
      if (probe != null) {
        probe.close();
      }
      if (server != null) {
        server.close();
      }
      if (vertx != null) {
        try {
          vertx.close().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
          LOG.log(Level.FINE, "vert.x close", e);
        }
      }
    }
  }

  /** The settings: options file &lt; environment &lt; flags, read and checked. */
  PickerOptions options() {
    PickerOptions options = PickerOptions.read(settings());
    String namespace = environment.get(NAMESPACE_ENV);
    if (namespace != null && !namespace.isBlank()) {
      options.setNamespaceFallback(namespace.trim());
    }
    return options.validate();
  }

  private SettingsNode settings() {
    return SettingsSources.stack(PickerOptions.OPTIONS_FILE_READER, optionsFile,
        SettingsSources.environment(environment, PickerOptions.KEYS, Map.of()),
        CommandLineFlags.given(spec, PickerOptions.KEYS));
  }

  private static Path path(String file) {
    return file == null ? null : Path.of(file);
  }
}
