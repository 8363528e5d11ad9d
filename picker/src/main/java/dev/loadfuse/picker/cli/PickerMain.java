package dev.loadfuse.picker.cli;

import dev.loadfuse.picker.extproc.ExtProcContext;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.routing.ObjectsFile;
import dev.loadfuse.picker.routing.RoutingObjects;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.server.PickerServer;
import dev.loadfuse.picker.server.PickerSettings;
import dev.loadfuse.sidecar.cluster.ClusterOptions;
import dev.loadfuse.sidecar.cluster.ClusteredVertx;
import dev.loadfuse.common.settings.Durations;
import dev.loadfuse.discovery.kubernetes.InferencePoolSpec;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code picker.jar}: the endpoint picker. Flags carry the reference picker's names and defaults;
 * {@code --endpoints-file}, {@code --objects-file}, {@code --cluster*} and {@code --max-body-bytes}
 * are ours. Runs until SIGTERM/SIGINT. Exit codes: 0 after a clean stop, 2 for bad flags or
 * config (one line naming what is wrong).
 */
@Command(
    name = "picker",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
        "loadfuse endpoint picker: an Envoy ext_proc server that picks the model-server endpoint of each "
            + "inference request from the endpoints' load (engine metrics and GPU state).",
        "Local mode: --endpoints-file FILE (an in-process sidecar scrapes those model servers).",
        "Kubernetes mode: --pool-name NAME [--pool-namespace NS], or without CRDs --endpoint-selector k=v,... "
            + "--endpoint-target-ports PORT,... (pods, InferenceObjectives and InferenceModelRewrites watched).",
        "Cluster mode: --cluster --cluster-members host:port,... (load vectors from remote sidecars)."})
public final class PickerMain implements Callable<Integer> {

  public static final int EXIT_OK = 0;
  public static final int EXIT_USAGE = 2;

  private static final Logger LOG = Logger.getLogger(PickerMain.class.getName());

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--grpc-port", paramLabel = "PORT", description = "ext_proc gRPC port (default: ${DEFAULT-VALUE}).")
  int grpcPort = PickerSettings.DEFAULT_GRPC_PORT;

  @Option(names = "--grpc-health-port", paramLabel = "PORT", description = "gRPC health port (default: ${DEFAULT-VALUE}).")
  int grpcHealthPort = PickerSettings.DEFAULT_GRPC_HEALTH_PORT;

  @Option(names = "--metrics-port", paramLabel = "PORT", description = "Prometheus /metrics and GET /v1/endpoints (default: ${DEFAULT-VALUE}).")
  int metricsPort = PickerSettings.DEFAULT_METRICS_PORT;

  @Option(names = "--config-file", paramLabel = "FILE", description = "EndpointPickerConfig YAML (default: queue-scorer 2, kv-cache-utilization-scorer 2, max-score-picker).")
  Path configFile;

  @Option(names = "--config-text", paramLabel = "YAML", description = "EndpointPickerConfig given inline (instead of --config-file).")
  String configText;

  @Option(names = "--pool-name", paramLabel = "NAME", description = "InferencePool to watch (Kubernetes mode); with --endpoints-file it only names the pool in metrics and filters --objects-file.")
  String poolName;

  @Option(names = "--pool-namespace", paramLabel = "NS", description = "Namespace of the pool, its pods and routing objects (default: env NAMESPACE, else \"default\").")
  String poolNamespace;

  @Option(names = "--endpoint-selector", paramLabel = "K=V,...", description = "Without CRDs: the pods to route to, by labels (instead of --pool-name).")
  String endpointSelector;

  @Option(names = "--endpoint-target-ports", paramLabel = "PORT,...", description = "Without CRDs: the model-server ports of each selected pod (1 to 8; one endpoint each).")
  String endpointTargetPorts;

  @Option(names = "--refresh-metrics-interval", paramLabel = "DURATION", description = "Scrape interval of the in-process sidecar (default: 50ms).")
  String refreshMetricsInterval = "50ms";

  @Option(names = "--metrics-staleness-threshold", paramLabel = "DURATION", description = "Engine samples older than this count as absent (default: 2s).")
  String metricsStalenessThreshold = "2s";

  @Option(names = "--secure-serving", arity = "0..1", fallbackValue = "true", paramLabel = "BOOL",
      description = "TLS on the ext_proc port, self-signed unless --cert-path (default: true).")
  boolean secureServing = true;

  @Option(names = "--cert-path", paramLabel = "DIR", description = "Directory with tls.crt and tls.key, reloaded when they change.")
  Path certPath;

  @Option(names = {"-v", "--v"}, paramLabel = "LEVEL", description = "Log verbosity: 0 warnings, 1-2 info, 3-4 debug, 5+ trace (default: 0).")
  int verbosity;

  @Option(names = "--endpoints-file", paramLabel = "FILE", description = "Static endpoints file (the sidecar's format), reloaded when it changes.")
  Path endpointsFile;

  @Option(names = "--objects-file", paramLabel = "FILE", description = "InferenceObjective and InferenceModelRewrite objects (Kubernetes YAML, several documents).")
  Path objectsFile;

  @Option(names = "--max-body-bytes", paramLabel = "BYTES", description = "Largest request body accepted; larger is refused with 413 (default: 33554432 = 32 MiB).")
  int maxBodyBytes = ExtProcContext.DEFAULT_MAX_BODY_BYTES;

  @Option(names = "--cluster", description = "Take load vectors from remote sidecars on the clustered event bus (Hazelcast) instead of an in-process sidecar.")
  boolean cluster;

  @Option(names = "--cluster-members", paramLabel = "HOST:PORT,...", description = "Hazelcast members to join (implies --cluster).")
  String clusterMembers;

  @Option(names = "--cluster-service", paramLabel = "NAME", description = "Headless Service whose pods are cluster members (Hazelcast Kubernetes discovery, in the namespace of --pool-namespace, else env NAMESPACE, else default; implies --cluster).")
  String clusterService;

  @Option(names = "--cluster-host", paramLabel = "HOST", description = "Address this member binds and advertises.")
  String clusterHost;

  @Option(names = "--cluster-port", paramLabel = "PORT", description = "Hazelcast member port (default: 5701; 0 = any).")
  int clusterPort = ClusterOptions.DEFAULT_PORT;

  /** Reads the environment ({@code NAMESPACE}); replaced in tests. */
  Function<String, String> env = System::getenv;
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
    PickerSettings settings;
    ClusterOptions clusterOptions = null;
    try {
      settings = settings();
      if (settings.remoteSidecars()) {
        clusterOptions = clusterOptions();
      }
    } catch (IllegalArgumentException | ConfigException e) {
      err.println("picker: " + e.getMessage());
      err.flush();
      return EXIT_USAGE;
    }
    Logging.configure(verbosity);
    Vertx vertx = null;
    PickerServer server = null;
    try {
      vertx = clusterOptions == null ? Vertx.vertx()
          : ClusteredVertx.start(clusterOptions, new VertxOptions()).await(60, TimeUnit.SECONDS);
      try {
        server = PickerServer.start(vertx, settings).await(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        err.println("picker: cannot start: " + rootMessage(e));
        err.flush();
        return EXIT_USAGE;
      }
      out.println("loadfuse picker: ext_proc " + (settings.secureServing() ? "(TLS) " : "") + "on :" + server.grpcPort()
          + ", health on :" + server.grpcHealthPort() + ", metrics on :" + server.metricsPort()
          + ", " + server.datastore().all().length + " endpoint(s)"
          + (settings.endpointsFile() != null ? " from " + settings.endpointsFile() : "")
          + (settings.kubernetes() != null ? " from " + settings.kubernetes().describe() : "")
          + (settings.remoteSidecars() ? ", load from remote sidecars" : ", in-process sidecar"));
      out.flush();
      onServing.accept(server);
      Thread hook = new Thread(stopSignal::countDown, "loadfuse-picker-shutdown");
      Runtime.getRuntime().addShutdownHook(hook);
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
      err.println("picker: " + rootMessage(e));
      err.flush();
      return EXIT_USAGE;
    } finally {
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

  /** Validates the flags and loads the config and objects. */
  PickerSettings settings() {
    boolean remote = cluster || clusterMembers != null || clusterService != null;
    if (clusterService != null && clusterMembers != null) {
      throw new IllegalArgumentException("--cluster-members and --cluster-service: give one (a member list, or the"
          + " headless Service whose pods are the members)");
    }
    if (clusterService != null && clusterService.isBlank()) {
      throw new IllegalArgumentException("--cluster-service: \"" + clusterService + "\" (expected: a Service name)");
    }
    if (configFile != null && configText != null) {
      throw new IllegalArgumentException("--config-file and --config-text: give one, not both");
    }
    KubernetesDiscoveryOptions kubernetes = kubernetesOptions();
    if (endpointsFile == null && kubernetes == null && !remote) {
      throw new IllegalArgumentException("no endpoints: give --endpoints-file FILE (local mode), --pool-name NAME or"
          + " --endpoint-selector k=v --endpoint-target-ports PORT (Kubernetes mode), or --cluster"
          + " --cluster-members host:port,... to take endpoints and load from remote sidecars");
    }
    if (kubernetes != null && objectsFile != null) {
      throw new IllegalArgumentException("--objects-file: not in Kubernetes mode (InferenceObjectives and"
          + " InferenceModelRewrites are read from the API server)");
    }
    if (!secureServing && certPath != null) {
      throw new IllegalArgumentException("--cert-path needs --secure-serving=true");
    }
    ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());
    PickerConfig config = configFile != null ? loader.loadFile(configFile)
        : configText != null ? loader.load(configText, "--config-text") : loader.defaults();
    RoutingObjects routing = objectsFile != null ? ObjectsFile.load(objectsFile, poolName) : RoutingObjects.NONE;
    Duration refresh = Durations.parse("--refresh-metrics-interval", refreshMetricsInterval);
    Duration stale = Durations.parse("--metrics-staleness-threshold", metricsStalenessThreshold);
    return new PickerSettings(null, grpcPort, grpcHealthPort, metricsPort, config, routing, endpointsFile, remote,
        poolName, refresh, stale, secureServing, certPath, null, maxBodyBytes,
        Math.max(1, Runtime.getRuntime().availableProcessors()), kubernetes);
  }

  /** The Kubernetes source the flags name, or null without {@code --pool-name}/{@code --endpoint-selector}. */
  private KubernetesDiscoveryOptions kubernetesOptions() {
    boolean selector = endpointSelector != null || endpointTargetPorts != null;
    if (endpointsFile != null) {
      if (selector) {
        throw new IllegalArgumentException("--endpoint-selector/--endpoint-target-ports and --endpoints-file: give one"
            + " source of endpoints, not both");
      }
      if (poolNamespace != null) {
        throw new IllegalArgumentException("--pool-namespace: only in Kubernetes mode (not with --endpoints-file)");
      }
      return null; // --pool-name names the file's pool in metrics
    }
    if (selector && poolName != null) {
      throw new IllegalArgumentException("--pool-name and --endpoint-selector: give one (an InferencePool, or pods"
          + " selected by labels without CRDs)");
    }
    if (!selector && poolName == null) {
      if (poolNamespace != null) {
        throw new IllegalArgumentException("--pool-namespace: needs --pool-name or --endpoint-selector");
      }
      return null;
    }
    String namespace = poolNamespace;
    if (namespace == null) {
      String env = this.env.apply("NAMESPACE");
      namespace = env == null || env.isBlank() ? "default" : env.trim();
    }
    if (namespace.isBlank()) {
      throw new IllegalArgumentException("--pool-namespace: \"" + namespace + "\" (expected: a namespace)");
    }
    if (!selector) {
      if (poolName.isBlank()) {
        throw new IllegalArgumentException("--pool-name: \"" + poolName + "\" (expected: an InferencePool name)");
      }
      return KubernetesDiscoveryOptions.forPool(namespace, poolName);
    }
    if (endpointSelector == null) {
      throw new IllegalArgumentException("--endpoint-target-ports: needs --endpoint-selector");
    }
    if (endpointTargetPorts == null) {
      throw new IllegalArgumentException("--endpoint-selector: needs --endpoint-target-ports");
    }
    return KubernetesDiscoveryOptions.forSelector(namespace, labels(endpointSelector), ports(endpointTargetPorts));
  }

  /** {@code k=v,k2=v2} (spaces around items allowed). */
  static Map<String, String> labels(String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : text.split(",", -1)) {
      String kv = item.trim();
      int eq = kv.indexOf('=');
      if (eq <= 0 || kv.indexOf('=', eq + 1) >= 0 || kv.substring(0, eq).isBlank()) {
        throw new IllegalArgumentException("--endpoint-selector: \"" + text + "\": item \"" + kv
            + "\" (expected: key=value pairs separated by commas, e.g. app=vllm,tier=gpu)");
      }
      String key = kv.substring(0, eq).trim();
      if (out.put(key, kv.substring(eq + 1).trim()) != null) {
        throw new IllegalArgumentException("--endpoint-selector: \"" + text + "\": key \"" + key + "\" given twice");
      }
    }
    return out;
  }

  /** {@code 8000,8001}: 1 to 8 distinct ports. */
  static List<Integer> ports(String text) {
    List<Integer> out = new ArrayList<>();
    String[] items = text.split(",", -1);
    for (int i = 0; i < items.length; i++) {
      String item = items[i].trim();
      int port;
      try {
        port = Integer.parseInt(item);
      } catch (NumberFormatException e) {
        port = -1;
      }
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("--endpoint-target-ports: \"" + text + "\": item " + (i + 1) + " \"" + item
            + "\" (expected: a port in [1, 65535])");
      }
      if (out.contains(port)) {
        throw new IllegalArgumentException("--endpoint-target-ports: \"" + text + "\": port " + port + " given twice");
      }
      out.add(port);
    }
    if (out.size() > InferencePoolSpec.MAX_TARGET_PORTS) {
      throw new IllegalArgumentException("--endpoint-target-ports: " + out.size() + " ports (expected: 1 to "
          + InferencePoolSpec.MAX_TARGET_PORTS + ")");
    }
    return out;
  }

  /** How this picker joins the clustered event bus (cluster mode). */
  ClusterOptions clusterOptions() {
    return new ClusterOptions(members(), clusterHost, clusterPort, clusterService, clusterNamespace(), null);
  }

  /** The namespace of the --cluster-service: --pool-namespace, else env NAMESPACE, else default. */
  private String clusterNamespace() {
    if (clusterService == null) {
      return null;
    }
    if (poolNamespace != null && !poolNamespace.isBlank()) {
      return poolNamespace.trim();
    }
    String env = this.env.apply("NAMESPACE");
    return env == null || env.isBlank() ? "default" : env.trim();
  }

  private java.util.List<String> members() {
    java.util.List<String> list = new java.util.ArrayList<>();
    if (clusterMembers != null) {
      for (String m : clusterMembers.split(",")) {
        if (!m.isBlank()) {
          list.add(m.trim());
        }
      }
    }
    return list;
  }

  static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c
        && (c.getMessage() == null || c instanceof java.util.concurrent.CompletionException
            || c instanceof java.util.concurrent.ExecutionException)) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }
}
