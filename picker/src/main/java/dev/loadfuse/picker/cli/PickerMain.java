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
import dev.loadfuse.sidecar.api.cluster.ClusterSettings;
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
import picocli.CommandLine.Parameters;
import dev.loadfuse.common.settings.CommandLineFlags.GoBoolean;
import java.util.ArrayList;
import java.util.List;
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
    modelTransformer = ClusterSettings.Flags.class,
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
  /** This pod's name (the downward API): the leader election identity. */
  private static final String POD_NAME_ENV = "POD_NAME";

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

  @Option(names = "--endpoint-selector", paramLabel = "SELECTOR", description = "Without CRDs: the pods to route to, a Kubernetes label selector (app=vllm,tier in (gpu,tpu),!canary) (instead of --pool-name).")
  String endpointSelector;

  @Option(names = "--endpoint-target-ports", paramLabel = "PORT,...", split = ",", description = "Without CRDs: the model-server ports"
      + " of each selected pod (1 to 8; one endpoint each); repeatable.")
  List<String> endpointTargetPorts;

  @Option(names = "--refresh-metrics-interval", paramLabel = "DURATION", description = "Scrape interval of the in-process sidecar (default: ${DEFAULT-VALUE}).")
  String refreshMetricsInterval = Durations.format(PickerOptions.DEFAULT_REFRESH_METRICS_INTERVAL);

  @Option(names = "--metrics-staleness-threshold", paramLabel = "DURATION", description = "Engine samples older than this count as absent (default: ${DEFAULT-VALUE}).")
  String metricsStalenessThreshold = Durations.format(PickerOptions.DEFAULT_METRICS_STALENESS_THRESHOLD);

  @Option(names = "--secure-serving", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", preprocessor = GoBoolean.class,
      description = "TLS on the ext_proc port, self-signed unless --cert-path (default: true).")
  String secureServing;

  @Option(names = "--cert-path", paramLabel = "DIR", description = "Directory with tls.crt and tls.key for the ext_proc port.")
  Path certPath;

  @Option(names = "--enable-cert-reload", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", preprocessor = GoBoolean.class,
      description = "Reload --cert-path's files when they change (default: false).")
  String enableCertReload;

  @Option(names = "--pool-group", paramLabel = "GROUP", description = "API group of the InferencePool: " + PickerOptions.DEFAULT_POOL_GROUP
      + " (v1) or inference.networking.x-k8s.io (v1alpha2) (default: " + PickerOptions.DEFAULT_POOL_GROUP
      + "; not given, both are watched, v1 winning).")
  String poolGroup;

  @Option(names = "--ha-enable-leader-election", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", preprocessor = GoBoolean.class,
      description = "Kubernetes Lease leader election among replicas: gRPC health 'readiness' is SERVING on the leader only,"
          + " 'liveness' on every replica (default: false).")
  String haEnableLeaderElection;

  @Option(names = "--drain-timeout", paramLabel = "DURATION", description = "After SIGTERM: health goes NOT_SERVING and ext_proc keeps"
      + " serving this long, then open streams get as long again to finish (default: 30s; 0 stops at once).")
  String drainTimeout;

  @Option(names = "--grpc-max-recv-msg-size", paramLabel = "SIZE", description = "Largest gRPC message the ext_proc server takes,"
      + " a Kubernetes quantity (10MiB, 25MB) (default: 4Mi, gRPC's).")
  String grpcMaxRecvMsgSize;

  @Option(names = "--grpc-max-send-msg-size", paramLabel = "SIZE", description = "Largest gRPC message the ext_proc server sends (default: 4Mi).")
  String grpcMaxSendMsgSize;

  @Option(names = "--tls-min-version", paramLabel = "VERSION", description = "Lowest TLS version on the ext_proc port: VersionTLS10,"
      + " VersionTLS11, VersionTLS12 or VersionTLS13 (default: TLS 1.2).")
  String tlsMinVersion;

  @Option(names = "--tls-cipher-suites", paramLabel = "SUITE,...", split = ",", description = "TLS 1.2 cipher suites of the ext_proc"
      + " port, Go's (IANA) names; repeatable (default: the JDK's).")
  List<String> tlsCipherSuites;

  @Option(names = "--health-checking", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", preprocessor = GoBoolean.class,
      description = "Also answer gRPC health on the ext_proc port: " + "envoy.service.ext_proc.v3.ExternalProcessor"
          + " and \"\" always SERVING (default: false).")
  String healthChecking;

  @Option(names = "--metrics-endpoint-auth", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", preprocessor = GoBoolean.class,
      description = "/metrics and /v1/endpoints demand a bearer token the API server accepts (TokenReview) and allows GET on"
          + " the path (SubjectAccessReview) (default: true in Kubernetes mode, false with --endpoints-file or --cluster"
          + " alone, where no API server is asked).")
  String metricsEndpointAuth;

  @Option(names = "--metrics-cert-dir", paramLabel = "DIR", description = "Directory with tls.crt and tls.key: HTTPS on the metrics"
      + " port (needs --metrics-client-ca-file or --metrics-endpoint-auth).")
  String metricsCertDir;

  @Option(names = "--metrics-client-ca-file", paramLabel = "FILE", description = "PEM CA bundle: the metrics port demands client"
      + " certificates signed by it (needs --metrics-cert-dir).")
  String metricsClientCaFile;

  @Option(names = "--enable-pprof", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", preprocessor = GoBoolean.class,
      description = "Accepted for the reference's command lines and ignored: Go's pprof handlers have no counterpart served"
          + " here. Profile the JVM in the container instead: jcmd 1 Thread.print, jcmd 1 GC.heap_info, jcmd 1 JFR.start"
          + " (default: true).")
  String enablePprof;

  @Option(names = "--tracing", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", preprocessor = GoBoolean.class,
      description = "OpenTelemetry tracing, configured by the OTEL_* environment variables (default: true).")
  String tracing;

  @Option(names = "--refresh-prometheus-metrics-interval", paramLabel = "DURATION", description = "Period of the pool gauges on"
      + " /metrics (default: 5s).")
  String refreshPrometheusMetricsInterval;

  @Option(names = "--disable-endpoint-subset-filter", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      preprocessor = GoBoolean.class, description = "Ignore Envoy's endpoint subset hint (x-gateway-destination-endpoint-subset)"
          + " (default: false).")
  String disableEndpointSubsetFilter;

  @Option(names = "--emit-endpoint-scores", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", preprocessor = GoBoolean.class,
      description = "Put the endpoints' scheduling scores in the response's dynamic metadata (default: false).")
  String emitEndpointScores;

  @Option(names = "--enable-grpc-stream-metrics", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      preprocessor = GoBoolean.class, description = "ext_proc stream metrics (in flight, duration, total by code) (default: false).")
  String enableGrpcStreamMetrics;

  @Option(names = "--allow-experimental-plugins", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      preprocessor = GoBoolean.class, description = "Permit plugins of alpha stability in the config (default: false).")
  String allowExperimentalPlugins;

  @Option(names = {"-v", "--v"}, paramLabel = "LEVEL", description = "Log verbosity: 0 warnings, 1-2 info, 3-4 debug, 5+ trace"
      + " (default: ${DEFAULT-VALUE}).")
  int verbosity = LogSettings.DEFAULT_VERBOSITY;

  @Option(names = "--zap-log-level", paramLabel = "LEVEL", description = "Log level, instead of -v: debug, info, error, panic"
      + " or an integer > 0 (a verbosity).")
  String zapLogLevel;

  @Option(names = "--zap-encoder", paramLabel = "ENCODER", description = "Log format: json (one JSON object a line) or console"
      + " (text) (default: console).")
  String zapEncoder;

  @Option(names = "--zap-stacktrace-level", paramLabel = "LEVEL", description = "Log records at this level and above carry"
      + " their exception's stack trace: info, error or panic (default: every record with an exception).")
  String zapStacktraceLevel;

  @Option(names = "--zap-time-encoding", paramLabel = "ENCODING", description = "Time format of log records: epoch, millis,"
      + " nanos, iso8601, rfc3339 or rfc3339nano (default: iso8601 in console, epoch in json).")
  String zapTimeEncoding;

  @Option(names = "--zap-devel", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL", preprocessor = GoBoolean.class,
      description = "Accepted for the reference's command lines; no effect (as there).")
  String zapDevel;

  // GIE v1.5's deprecated flags, hidden from --help as there: the first four are still honoured
  // (the defaults of metrics-data-source's parameters), the five metric names are refused.
  @Option(names = "--model-server-metrics-scheme", hidden = true) String modelServerMetricsScheme;
  @Option(names = "--model-server-metrics-path", hidden = true) String modelServerMetricsPath;
  @Option(names = "--model-server-metrics-port", hidden = true) String modelServerMetricsPort;
  @Option(names = "--model-server-metrics-https-insecure-skip-verify", hidden = true, arity = "0..1", fallbackValue = "true",
      preprocessor = GoBoolean.class) String modelServerMetricsHttpsInsecureSkipVerify;
  @Option(names = "--total-queued-requests-metric", hidden = true) String totalQueuedRequestsMetric;
  @Option(names = "--total-running-requests-metric", hidden = true) String totalRunningRequestsMetric;
  @Option(names = "--kv-cache-usage-percentage-metric", hidden = true) String kvCacheUsagePercentageMetric;
  @Option(names = "--lora-info-metric", hidden = true) String loraInfoMetric;
  @Option(names = "--cache-info-metric", hidden = true) String cacheInfoMetric;

  /** Positional arguments: accepted and ignored as the reference's parser does, with a warning. */
  @Parameters(hidden = true) List<String> positional = new ArrayList<>();

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
  /** Counted down once everything is closed (the shutdown hook waits for it). */
  final CountDownLatch stopped = new CountDownLatch(1);
  /** The Kubernetes client (tests: a mock API server's); null to build one from the usual places. */
  io.fabric8.kubernetes.client.KubernetesClient kubernetesClient;
  /** Called once serving (tests read the ports). */
  Consumer<PickerServer> onServing = s -> {};

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return commandLine(new PickerMain(), out, err).execute(args);
  }

  static CommandLine commandLine(PickerMain main, PrintWriter out, PrintWriter err) {
    CommandLine cli = CommandLineFlags.goStyle(new CommandLine(main).setOut(out).setErr(err));
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
    try {
      LogSettings logs = LogSettings.of(verbosity, zapLogLevel, zapEncoder, zapStacktraceLevel, zapTimeEncoding);
      deprecations(err);
      Logging.configure(logs);
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
      vertxOptions.getEventBusOptions().setPort(options.getClusterSettings().busPort());
      vertx = cluster != null ? ClusteredVertx.start(cluster, vertxOptions).await(60, TimeUnit.SECONDS) : Vertx.vertx();
      try {
        server = PickerServer.start(vertx, options, kubernetesClient).await(60, TimeUnit.SECONDS);
        probe = null; // the in-process sidecar owns it
      } catch (Exception e) {
        err.println("picker: cannot start: " + Problems.message(e));
        err.flush();
        return Problems.exitCode(e);
      }
      // The stop hook is in place before the picker says it is up: a SIGTERM right after that line
      // must find it. SIGTERM runs it; the JVM exits when it returns, so it waits for the drain below.
      long drainMillis = options.getDrainTimeout().toMillis();
      Thread hook = new Thread(() -> {
        stopSignal.countDown();
        try {
          stopped.await(2 * drainMillis + 30_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "loadfuse-picker-shutdown");
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
        server.drain(options.getDrainTimeout()).await(2 * drainMillis + 10_000, TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.TimeoutException e) {
        LOG.warning("drain did not finish in time; stopping");
      }
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
      stopped.countDown();
    }
  }

  /**
   * GIE v1.5's deprecated flags: a line for each given (as pflag prints it); the five metric-name
   * flags are refused, as the reference refuses them.
   */
  private void deprecations(PrintWriter err) {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    for (String metric : List.of("--total-queued-requests-metric", "--total-running-requests-metric",
        "--kv-cache-usage-percentage-metric", "--lora-info-metric", "--cache-info-metric")) {
      if (parsed.hasMatchedOption(metric)) {
        throw new IllegalArgumentException(metric + ": deprecated and refused (as in the reference): give the engine's"
            + " metrics in the EndpointPickerConfig instead (core-metrics-extractor's defaultEngine or engineConfigs)");
      }
    }
    for (String flag : List.of("--model-server-metrics-scheme", "--model-server-metrics-path",
        "--model-server-metrics-port", "--model-server-metrics-https-insecure-skip-verify")) {
      if (parsed.hasMatchedOption(flag)) {
        err.println("picker: flag " + flag + " has been deprecated; configure the metrics-data-source plugin's"
            + " parameters in the EndpointPickerConfig instead");
      }
    }
    if (!positional.isEmpty()) {
      err.println("picker: ignoring positional argument(s) " + positional + " (a boolean flag takes its value"
          + " attached: --flag=false)");
    }
    err.flush();
  }

  /** The settings: options file &lt; environment &lt; flags, read and checked. */
  PickerOptions options() {
    PickerOptions options = PickerOptions.read(settings());
    String namespace = environment.get(NAMESPACE_ENV);
    if (namespace != null && !namespace.isBlank()) {
      options.setNamespaceFallback(namespace.trim());
    }
    String podName = environment.get(POD_NAME_ENV);
    if (podName != null && !podName.isBlank()) {
      options.setPodName(podName.trim());
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
