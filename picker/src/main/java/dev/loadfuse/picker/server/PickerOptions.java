package dev.loadfuse.picker.server;

import dev.loadfuse.common.settings.BoundedFiles;
import dev.loadfuse.common.settings.ByteSizes;
import dev.loadfuse.common.settings.Durations;
import dev.loadfuse.common.settings.OptionChecks;
import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsReader;
import dev.loadfuse.discovery.kubernetes.InferencePoolSpec;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions;
import dev.loadfuse.engine.config.EngineConfigLoader;
import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.picker.extproc.ExtProcContext;
import dev.loadfuse.picker.extproc.ExtProcLimits;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.routing.ObjectsFile;
import dev.loadfuse.picker.routing.RoutingObjects;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.sidecar.api.cluster.ClusterOptions;
import dev.loadfuse.sidecar.api.cluster.ClusterSecret;
import dev.loadfuse.sidecar.embedded.EmbeddedSidecarOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything a {@link PickerServer} needs, in the Vert.x options style: {@code DEFAULT_*}
 * constants, a no-arg constructor with the defaults, a copy constructor, fluent setters that
 * validate ({@code grpcPort: 70000 (expected: [0, 65535])}), and a JSON form ({@link #toJson()},
 * {@link #PickerOptions(JsonObject)}) read strictly ({@code unknown key "x" (known: ...)}). The
 * JSON form is the picker's {@code --options-file}; {@code picker.jar} reads it, then {@code
 * LOADFUSE_*} environment variables, then its flags ({@link #read}). Each key is the camel-case
 * name of the flag that sets it ({@code grpcPort} ↔ {@code --grpc-port} ↔ {@code
 * LOADFUSE_GRPC_PORT}).
 *
 * <p><b>Sources of endpoints</b>, exactly one: {@code endpointsFile} (local mode), {@code
 * poolName} or {@code endpointSelector} + {@code endpointTargetPorts} (Kubernetes mode, in {@code
 * poolNamespace}), or {@code cluster} / {@code clusterMembers} / {@code clusterService} alone
 * (vectors from remote sidecars) with {@code routeToAnnouncedEndpoints}, as then every address a
 * cluster member announces is routable. Local and Kubernetes mode run a sidecar in this process, which
 * reads the GPUs as {@code gpuProbe}, {@code mockGpus} and {@code nvmlLibrary} say (as {@code
 * sidecar.jar run} does).
 *
 * <p>Not part of the JSON form, for embedding code and tests: an EndpointPickerConfig already
 * loaded ({@link #setConfig}), routing objects ({@link #setRouting}) and a GPU probe already opened
 * ({@link #setCustomGpuProbe}, e.g. a simulator's).
 *
 * <p>Not thread-safe; the server copies its options.
 */
public final class PickerOptions {

  public static final String DEFAULT_BIND_ADDRESS = "0.0.0.0";
  public static final int DEFAULT_GRPC_PORT = 9002;
  public static final int DEFAULT_GRPC_HEALTH_PORT = 9003;
  public static final int DEFAULT_METRICS_PORT = 9090;
  /** The scrape interval of the in-process sidecar: the sidecar's own default. */
  public static final Duration DEFAULT_REFRESH_METRICS_INTERVAL = EmbeddedSidecarOptions.DEFAULT_SCRAPE_INTERVAL;
  public static final Duration DEFAULT_METRICS_STALENESS_THRESHOLD = Duration.ofSeconds(2);
  public static final boolean DEFAULT_SECURE_SERVING = true;
  public static final Duration DEFAULT_CERT_RELOAD_INTERVAL = Duration.ofSeconds(5);
  /** Larger request bodies get 413: the ext_proc stage's own bound. */
  public static final int DEFAULT_MAX_BODY_BYTES = ExtProcContext.DEFAULT_MAX_BODY_BYTES;
  /** 0: one ext_proc server (event loop) per available processor. */
  public static final int DEFAULT_EXT_PROC_SERVERS = 0;
  public static final String DEFAULT_POOL_NAMESPACE = "default";
  public static final Duration DEFAULT_KUBERNETES_RESYNC_PERIOD = KubernetesDiscoveryOptions.DEFAULT_RESYNC_PERIOD;
  /** fabric8 raises a smaller resync period to this, with a warning. */
  public static final Duration MIN_KUBERNETES_RESYNC_PERIOD = Duration.ofSeconds(1);
  /** The in-process sidecar's probe: NVML when it loads, else none (mock with {@code mockGpus}). */
  public static final GpuProbeKind DEFAULT_GPU_PROBE = EmbeddedSidecarOptions.DEFAULT_GPU_PROBE;
  /** The largest options file read ({@code --options-file}). */
  public static final long MAX_OPTIONS_FILE_BYTES = 1 << 20;
  /** Reads the options file: strict, at most {@link #MAX_OPTIONS_FILE_BYTES}. */
  public static final SettingsReader OPTIONS_FILE_READER =
      SettingsReader.strict().limit(MAX_OPTIONS_FILE_BYTES, "a picker options file");
  /** The largest EndpointPickerConfig read ({@code --config-file}); the reference's largest examples are ~4 KiB. */
  public static final long MAX_CONFIG_FILE_BYTES = EngineConfigLoader.MAX_ENDPOINT_PICKER_CONFIG_BYTES;
  /** The largest routing objects file read ({@code --objects-file}): thousands of objectives and rewrites. */
  public static final long MAX_OBJECTS_FILE_BYTES = 4 << 20;

  /** The keys of the limits and surface bounds (issue 14), kept together. */
  private static final List<String> BOUND_KEYS = List.of("bindAddress", "routeToAnnouncedEndpoints");

  /** The JSON keys, in the order messages list them. */
  public static final List<String> KEYS = concat(List.of(
      "grpcPort", "grpcHealthPort", "metricsPort", "configFile", "configText", "objectsFile",
      "endpointsFile", "poolName", "poolNamespace", "endpointSelector", "endpointTargetPorts",
      "kubernetesResyncPeriod", "cluster", "clusterMembers", "clusterService", "clusterHost", "clusterPort",
      "clusterBusPort", "clusterSecretFile", "clusterInsecure",
      "refreshMetricsInterval", "metricsStalenessThreshold", "secureServing", "certPath", "certReloadInterval",
      "maxBodyBytes", "extProcServers", "gpuProbe", "mockGpus", "nvmlLibrary"), BOUND_KEYS, ExtProcLimits.KEYS);

  // Limits and surface bounds.
  private String bindAddress = DEFAULT_BIND_ADDRESS;
  private boolean routeToAnnouncedEndpoints;
  private ExtProcLimits extProcLimits = new ExtProcLimits();

  private int grpcPort = DEFAULT_GRPC_PORT;
  private int grpcHealthPort = DEFAULT_GRPC_HEALTH_PORT;
  private int metricsPort = DEFAULT_METRICS_PORT;
  private String configFile;
  private String configText;
  private String objectsFile;
  private String endpointsFile;
  private String poolName;
  private String poolNamespace;
  private Map<String, String> endpointSelector;
  private List<Integer> endpointTargetPorts = List.of();
  private Duration kubernetesResyncPeriod = DEFAULT_KUBERNETES_RESYNC_PERIOD;
  private boolean cluster;
  private List<String> clusterMembers = List.of();
  private String clusterService;
  private String clusterHost;
  private int clusterPort = ClusterOptions.DEFAULT_PORT;
  private int clusterBusPort = ClusterOptions.DEFAULT_BUS_PORT;
  private String clusterSecretFile;
  private boolean clusterInsecure;
  private Duration refreshMetricsInterval = DEFAULT_REFRESH_METRICS_INTERVAL;
  private Duration metricsStalenessThreshold = DEFAULT_METRICS_STALENESS_THRESHOLD;
  private boolean secureServing = DEFAULT_SECURE_SERVING;
  private String certPath;
  private Duration certReloadInterval = DEFAULT_CERT_RELOAD_INTERVAL;
  private int maxBodyBytes = DEFAULT_MAX_BODY_BYTES;
  private int extProcServers = DEFAULT_EXT_PROC_SERVERS;
  private GpuProbeKind gpuProbe;
  private String mockGpus;
  private String nvmlLibrary;

  // Programmatic only.
  private String namespaceFallback;
  private PickerConfig config;
  private RoutingObjects routing;
  private GpuProbe customGpuProbe;

  /** The defaults. */
  public PickerOptions() {}

  /** A copy (the programmatic parts are shared). */
  public PickerOptions(PickerOptions other) {
    copyFrom(other);
  }

  /**
   * Reads the JSON form strictly (absent keys keep their defaults).
   *
   * @throws SettingsException naming the key and the value
   */
  public PickerOptions(JsonObject json) {
    copyFrom(read(OptionChecks.json(json == null ? null : json.encode())));
  }

  private void copyFrom(PickerOptions o) {
    bindAddress = o.bindAddress;
    routeToAnnouncedEndpoints = o.routeToAnnouncedEndpoints;
    extProcLimits = new ExtProcLimits(o.extProcLimits);
    grpcPort = o.grpcPort;
    grpcHealthPort = o.grpcHealthPort;
    metricsPort = o.metricsPort;
    configFile = o.configFile;
    configText = o.configText;
    objectsFile = o.objectsFile;
    endpointsFile = o.endpointsFile;
    poolName = o.poolName;
    poolNamespace = o.poolNamespace;
    endpointSelector = o.endpointSelector;
    endpointTargetPorts = o.endpointTargetPorts;
    kubernetesResyncPeriod = o.kubernetesResyncPeriod;
    cluster = o.cluster;
    clusterMembers = o.clusterMembers;
    clusterService = o.clusterService;
    clusterHost = o.clusterHost;
    clusterPort = o.clusterPort;
    clusterBusPort = o.clusterBusPort;
    clusterSecretFile = o.clusterSecretFile;
    clusterInsecure = o.clusterInsecure;
    refreshMetricsInterval = o.refreshMetricsInterval;
    metricsStalenessThreshold = o.metricsStalenessThreshold;
    secureServing = o.secureServing;
    certPath = o.certPath;
    certReloadInterval = o.certReloadInterval;
    maxBodyBytes = o.maxBodyBytes;
    extProcServers = o.extProcServers;
    gpuProbe = o.gpuProbe;
    mockGpus = o.mockGpus;
    nvmlLibrary = o.nvmlLibrary;
    namespaceFallback = o.namespaceFallback;
    config = o.config;
    routing = o.routing;
    customGpuProbe = o.customGpuProbe;
  }

  /**
   * Reads settings from {@code node}: a JSON document, or the layers of {@code picker.jar}
   * (options file &lt; environment &lt; flags), each problem naming the layer it came from.
   */
  public static PickerOptions read(SettingsNode node) {
    node.keys(KEYS);
    PickerOptions o = new PickerOptions();
    o.bindAddress = node.string("bindAddress", DEFAULT_BIND_ADDRESS);
    o.routeToAnnouncedEndpoints = node.bool("routeToAnnouncedEndpoints", false);
    o.extProcLimits = ExtProcLimits.read(node);
    o.grpcPort = node.integer("grpcPort", DEFAULT_GRPC_PORT, 0, 65535);
    o.grpcHealthPort = node.integer("grpcHealthPort", DEFAULT_GRPC_HEALTH_PORT, 0, 65535);
    o.metricsPort = node.integer("metricsPort", DEFAULT_METRICS_PORT, 0, 65535);
    o.configFile = node.string("configFile", null);
    o.configText = node.has("configText") ? node.get("configText").asString() : null;
    o.objectsFile = node.string("objectsFile", null);
    o.endpointsFile = node.string("endpointsFile", null);
    SettingsNode name = node.get("poolName");
    o.poolName = name.isMissing() ? null : name.asString();
    SettingsNode ns = node.get("poolNamespace");
    o.poolNamespace = ns.isMissing() ? null : ns.asString();
    SettingsNode selector = node.get("endpointSelector");
    if (!selector.isMissing()) {
      o.endpointSelector = selector.isText() ? labels(selector.where(), selector.asString()) : selector.asStringMap();
    }
    SettingsNode ports = node.get("endpointTargetPorts");
    if (!ports.isMissing()) {
      o.endpointTargetPorts = ports.isText() ? ports(ports.where(), ports.asString()) : portList(ports);
    }
    o.kubernetesResyncPeriod = node.duration("kubernetesResyncPeriod", DEFAULT_KUBERNETES_RESYNC_PERIOD);
    if (o.kubernetesResyncPeriod.compareTo(MIN_KUBERNETES_RESYNC_PERIOD) < 0) {
      throw node.get("kubernetesResyncPeriod").fail(Durations.format(o.kubernetesResyncPeriod)
          + " (expected: >= " + Durations.format(MIN_KUBERNETES_RESYNC_PERIOD) + ")");
    }
    o.cluster = node.bool("cluster", false);
    o.clusterMembers = node.strings("clusterMembers");
    SettingsNode service = node.get("clusterService");
    if (!service.isMissing() && service.asString().isBlank()) {
      throw service.fail(service.describe() + " (expected: a Service name)");
    }
    o.clusterService = node.string("clusterService", null);
    o.clusterHost = node.string("clusterHost", null);
    o.clusterPort = node.integer("clusterPort", ClusterOptions.DEFAULT_PORT, 0, 65535);
    o.clusterBusPort = node.integer("clusterBusPort", ClusterOptions.DEFAULT_BUS_PORT, 0, 65535);
    o.clusterSecretFile = node.string("clusterSecretFile", null);
    o.clusterInsecure = node.bool("clusterInsecure", false);
    o.refreshMetricsInterval = node.duration("refreshMetricsInterval", DEFAULT_REFRESH_METRICS_INTERVAL);
    o.metricsStalenessThreshold = node.duration("metricsStalenessThreshold", DEFAULT_METRICS_STALENESS_THRESHOLD);
    o.secureServing = node.bool("secureServing", DEFAULT_SECURE_SERVING);
    o.certPath = node.string("certPath", null);
    o.certReloadInterval = node.duration("certReloadInterval", DEFAULT_CERT_RELOAD_INTERVAL);
    o.maxBodyBytes = (int) node.bytes("maxBodyBytes", DEFAULT_MAX_BODY_BYTES, 1, Integer.MAX_VALUE);
    o.extProcServers = node.integer("extProcServers", DEFAULT_EXT_PROC_SERVERS, 0, 1024);
    SettingsNode probe = node.get("gpuProbe");
    if (!probe.isMissing()) {
      try {
        o.gpuProbe = GpuProbeKind.parse(probe.where(), probe.asString());
      } catch (IllegalArgumentException e) {
        throw new SettingsException(e.getMessage(), e);
      }
    }
    o.mockGpus = node.string("mockGpus", null);
    o.nvmlLibrary = node.string("nvmlLibrary", null);
    return o;
  }

  /** The JSON form: every key whose value is set (nulls left out). */
  public JsonObject toJson() {
    JsonObject j = new JsonObject();
    j.put("bindAddress", bindAddress);
    j.put("routeToAnnouncedEndpoints", routeToAnnouncedEndpoints);
    extProcLimits.toJson(j);
    j.put("grpcPort", grpcPort);
    j.put("grpcHealthPort", grpcHealthPort);
    j.put("metricsPort", metricsPort);
    putIf(j, "configFile", configFile);
    putIf(j, "configText", configText);
    putIf(j, "objectsFile", objectsFile);
    putIf(j, "endpointsFile", endpointsFile);
    putIf(j, "poolName", poolName);
    putIf(j, "poolNamespace", poolNamespace);
    if (endpointSelector != null) {
      j.put("endpointSelector", new JsonObject(new LinkedHashMap<>(endpointSelector)));
    }
    if (!endpointTargetPorts.isEmpty()) {
      j.put("endpointTargetPorts", new JsonArray(new ArrayList<>(endpointTargetPorts)));
    }
    j.put("kubernetesResyncPeriod", Durations.format(kubernetesResyncPeriod));
    j.put("cluster", cluster);
    j.put("clusterMembers", new JsonArray(new ArrayList<>(clusterMembers)));
    putIf(j, "clusterService", clusterService);
    putIf(j, "clusterHost", clusterHost);
    j.put("clusterPort", clusterPort);
    j.put("clusterBusPort", clusterBusPort);
    putIf(j, "clusterSecretFile", clusterSecretFile);
    j.put("clusterInsecure", clusterInsecure);
    j.put("refreshMetricsInterval", Durations.format(refreshMetricsInterval));
    j.put("metricsStalenessThreshold", Durations.format(metricsStalenessThreshold));
    j.put("secureServing", secureServing);
    putIf(j, "certPath", certPath);
    j.put("certReloadInterval", Durations.format(certReloadInterval));
    j.put("maxBodyBytes", ByteSizes.format(maxBodyBytes));
    j.put("extProcServers", extProcServers);
    putIf(j, "gpuProbe", gpuProbe == null ? null : gpuProbe.id());
    putIf(j, "mockGpus", mockGpus);
    putIf(j, "nvmlLibrary", nvmlLibrary);
    return j;
  }

  /**
   * Cross-field checks: one source of endpoints, what goes with what. The messages name the flags
   * (the keys in kebab case).
   */
  public PickerOptions validate() {
    if (clusterService != null && !clusterMembers.isEmpty()) {
      throw new IllegalArgumentException("--cluster-members and --cluster-service: give one (a member list, or the"
          + " headless Service whose pods are the members)");
    }
    // A cluster without either is refused by clusterOptions(), which the programs that start the
    // clustered Vert.x call; a verticle deployed on a Vert.x clustered by its owner needs neither.
    if (!remoteSidecars() && (clusterSecretFile != null || clusterInsecure)) {
      throw new IllegalArgumentException("--cluster-secret-file, --cluster-insecure: only with --cluster");
    }
    if (configFile != null && configText != null) {
      throw new IllegalArgumentException("--config-file and --config-text: give one, not both");
    }
    KubernetesDiscoveryOptions kubernetes = kubernetes();
    if (endpointsFile == null && kubernetes == null && !remoteSidecars()) {
      throw new IllegalArgumentException("no endpoints: give --endpoints-file FILE (local mode), --pool-name NAME or"
          + " --endpoint-selector k=v --endpoint-target-ports PORT (Kubernetes mode), or --cluster"
          + " --cluster-members host:port,... to take endpoints and load from remote sidecars");
    }
    boolean endpointSource = endpointsFile != null || kubernetes != null;
    if (remoteSidecars() && !endpointSource && !routeToAnnouncedEndpoints) {
      throw new IllegalArgumentException("--cluster without the pool's endpoints: give --endpoints-file FILE or"
          + " --pool-name NAME (the endpoints to route to; the sidecars' vectors bring their load), or"
          + " --route-to-announced-endpoints to route to every endpoint a cluster member announces");
    }
    if (routeToAnnouncedEndpoints && (endpointSource || !remoteSidecars())) {
      throw new IllegalArgumentException("--route-to-announced-endpoints: only with --cluster and without"
          + " --endpoints-file, --pool-name or --endpoint-selector (which name the endpoints to route to)");
    }
    if (kubernetes != null && objectsFile != null) {
      throw new IllegalArgumentException("--objects-file: not in Kubernetes mode (InferenceObjectives and"
          + " InferenceModelRewrites are read from the API server)");
    }
    if (!secureServing && certPath != null) {
      throw new IllegalArgumentException("--cert-path needs --secure-serving=true");
    }
    if (remoteSidecars() && (gpuProbe != null || mockGpus != null || nvmlLibrary != null || customGpuProbe != null)) {
      throw new IllegalArgumentException("--gpu-probe, --mock-gpus, --nvml-library: only with the in-process sidecar"
          + " (with --cluster the remote sidecars read the GPUs)");
    }
    if (customGpuProbe == null && getGpuProbe() == GpuProbeKind.MOCK && mockGpus == null) {
      throw new IllegalArgumentException("--gpu-probe mock needs --mock-gpus FILE");
    }
    return this;
  }

  /**
   * The Kubernetes source the settings name, or null without {@code poolName}/{@code
   * endpointSelector} (or with {@code endpointsFile}, where {@code poolName} only names the pool).
   */
  public KubernetesDiscoveryOptions kubernetes() {
    boolean selector = endpointSelector != null || !endpointTargetPorts.isEmpty();
    if (endpointsFile != null) {
      if (selector) {
        throw new IllegalArgumentException("--endpoint-selector/--endpoint-target-ports and --endpoints-file: give one"
            + " source of endpoints, not both");
      }
      if (poolNamespace != null) {
        throw new IllegalArgumentException("--pool-namespace: only in Kubernetes mode (not with --endpoints-file)");
      }
      return null; // poolName names the file's pool in metrics
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
    String namespace = namespace();
    if (namespace.isBlank()) {
      throw new IllegalArgumentException("--pool-namespace: \"" + namespace + "\" (expected: a namespace)");
    }
    if (!selector) {
      if (poolName.isBlank()) {
        throw new IllegalArgumentException("--pool-name: \"" + poolName + "\" (expected: an InferencePool name)");
      }
      return KubernetesDiscoveryOptions.forPool(namespace, poolName).withResyncPeriod(kubernetesResyncPeriod);
    }
    if (endpointSelector == null) {
      throw new IllegalArgumentException("--endpoint-target-ports: needs --endpoint-selector");
    }
    if (endpointTargetPorts.isEmpty()) {
      throw new IllegalArgumentException("--endpoint-selector: needs --endpoint-target-ports");
    }
    return KubernetesDiscoveryOptions.forSelector(namespace, endpointSelector, endpointTargetPorts)
        .withResyncPeriod(kubernetesResyncPeriod);
  }

  /** Vectors come from remote sidecars on a clustered bus: {@code cluster}, or a member list or Service given. */
  public boolean remoteSidecars() {
    return cluster || !clusterMembers.isEmpty() || clusterService != null;
  }

  /**
   * How this picker joins the clustered bus; the Service is looked up in the pool's namespace.
   * Reads the cluster secret file.
   *
   * @throws IllegalArgumentException naming the secret file when it cannot be used, or saying
   *     that a secret (or {@code clusterInsecure}) is needed
   */
  public ClusterOptions clusterOptions() {
    ClusterSecret secret = clusterSecretFile == null ? null : ClusterSecret.read(Path.of(clusterSecretFile));
    return new ClusterOptions(clusterMembers, clusterHost, clusterPort, clusterService,
        clusterService == null ? null : namespace(), null, secret, clusterInsecure);
  }

  /** {@code poolNamespace}, else the {@linkplain #setNamespaceFallback fallback}, else {@value #DEFAULT_POOL_NAMESPACE}. */
  private String namespace() {
    return poolNamespace != null ? poolNamespace.trim() : namespaceFallback != null ? namespaceFallback
        : DEFAULT_POOL_NAMESPACE;
  }

  /** The EndpointPickerConfig: the one set, else {@code configFile} or {@code configText}, else the default. */
  public PickerConfig loadConfig() {
    if (config != null) {
      return config;
    }
    ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());
    return configFile != null ? loader.load(readBounded(configFile, MAX_CONFIG_FILE_BYTES, "an EndpointPickerConfig"), configFile)
        : configText != null ? loader.load(configText, "--config-text") : loader.defaults();
  }

  /** The routing objects: the ones set, else those of {@code objectsFile} (of {@code poolName}), else none. */
  public RoutingObjects loadRouting() {
    if (routing != null) {
      return routing;
    }
    return objectsFile != null
        ? ObjectsFile.parse(readBounded(objectsFile, MAX_OBJECTS_FILE_BYTES, "a routing objects file"), objectsFile, poolName)
        : RoutingObjects.NONE;
  }

  /** A file's text, refused beyond {@code maxBytes} before and while reading (a pipe, {@code /dev/zero}). */
  private static String readBounded(String file, long maxBytes, String what) {
    return BoundedFiles.readString(Path.of(file), maxBytes, what);
  }

  // ---------------------------------------------------------------- getters and setters

  // ------------------------------------------------ limits and surface bounds (issue 14)

  /** The address every server binds: ext_proc, gRPC health, metrics ({@code --bind-address}). */
  public String getBindAddress() {
    return bindAddress;
  }

  public PickerOptions setBindAddress(String bindAddress) {
    this.bindAddress = OptionChecks.notBlank("bindAddress", bindAddress, "an address to bind");
    return this;
  }

  /**
   * With {@code --cluster} and no endpoint source: route to every endpoint a cluster member's vector
   * names (off: such a picker refuses to start, as any member could announce any address).
   */
  public boolean isRouteToAnnouncedEndpoints() {
    return routeToAnnouncedEndpoints;
  }

  public PickerOptions setRouteToAnnouncedEndpoints(boolean routeToAnnouncedEndpoints) {
    this.routeToAnnouncedEndpoints = routeToAnnouncedEndpoints;
    return this;
  }

  /** The ext_proc port's limits (a copy). */
  public ExtProcLimits getExtProcLimits() {
    return new ExtProcLimits(extProcLimits);
  }

  public PickerOptions setExtProcLimits(ExtProcLimits limits) {
    this.extProcLimits = new ExtProcLimits(java.util.Objects.requireNonNull(limits, "extProcLimits"));
    return this;
  }

  // ---------------------------------------------------------------- the rest

  /** The ext_proc port ({@code --grpc-port}); 0 for any free one. */
  public int getGrpcPort() {
    return grpcPort;
  }

  public PickerOptions setGrpcPort(int grpcPort) {
    this.grpcPort = port("grpcPort", grpcPort);
    return this;
  }

  /** The gRPC health port ({@code --grpc-health-port}); 0 for any free one. */
  public int getGrpcHealthPort() {
    return grpcHealthPort;
  }

  public PickerOptions setGrpcHealthPort(int grpcHealthPort) {
    this.grpcHealthPort = port("grpcHealthPort", grpcHealthPort);
    return this;
  }

  /** Prometheus {@code /metrics} and {@code /v1/endpoints} ({@code --metrics-port}); 0 for any free one. */
  public int getMetricsPort() {
    return metricsPort;
  }

  public PickerOptions setMetricsPort(int metricsPort) {
    this.metricsPort = port("metricsPort", metricsPort);
    return this;
  }

  /** Every port 0 and the loopback address (tests, embedding). */
  public PickerOptions setEphemeralPorts() {
    return setBindAddress("127.0.0.1").setGrpcPort(0).setGrpcHealthPort(0).setMetricsPort(0);
  }

  public String getConfigFile() {
    return configFile;
  }

  public PickerOptions setConfigFile(String configFile) {
    this.configFile = configFile;
    return this;
  }

  public String getConfigText() {
    return configText;
  }

  public PickerOptions setConfigText(String configText) {
    this.configText = configText;
    return this;
  }

  public String getObjectsFile() {
    return objectsFile;
  }

  public PickerOptions setObjectsFile(String objectsFile) {
    this.objectsFile = objectsFile;
    return this;
  }

  public String getEndpointsFile() {
    return endpointsFile;
  }

  public PickerOptions setEndpointsFile(String endpointsFile) {
    this.endpointsFile = endpointsFile;
    return this;
  }

  /** The InferencePool (Kubernetes mode); with an endpoints file, the pool's name in metrics and objects. */
  public String getPoolName() {
    return poolName;
  }

  public PickerOptions setPoolName(String poolName) {
    this.poolName = poolName;
    return this;
  }

  /** The namespace of the pool, its pods and routing objects; null for env {@code NAMESPACE}, else {@value #DEFAULT_POOL_NAMESPACE}. */
  public String getPoolNamespace() {
    return poolNamespace;
  }

  public PickerOptions setPoolNamespace(String poolNamespace) {
    this.poolNamespace = poolNamespace;
    return this;
  }

  /** Without CRDs: labels the pods must all carry (null when not used). */
  public Map<String, String> getEndpointSelector() {
    return endpointSelector;
  }

  public PickerOptions setEndpointSelector(Map<String, String> endpointSelector) {
    this.endpointSelector = endpointSelector == null ? null : Map.copyOf(endpointSelector);
    return this;
  }

  public List<Integer> getEndpointTargetPorts() {
    return endpointTargetPorts;
  }

  public PickerOptions setEndpointTargetPorts(List<Integer> endpointTargetPorts) {
    this.endpointTargetPorts = List.copyOf(endpointTargetPorts);
    return this;
  }

  public Duration getKubernetesResyncPeriod() {
    return kubernetesResyncPeriod;
  }

  public PickerOptions setKubernetesResyncPeriod(Duration period) {
    this.kubernetesResyncPeriod = OptionChecks.atLeast("kubernetesResyncPeriod", period, MIN_KUBERNETES_RESYNC_PERIOD);
    return this;
  }

  public boolean isCluster() {
    return cluster;
  }

  public PickerOptions setCluster(boolean cluster) {
    this.cluster = cluster;
    return this;
  }

  public List<String> getClusterMembers() {
    return clusterMembers;
  }

  public PickerOptions setClusterMembers(List<String> clusterMembers) {
    this.clusterMembers = List.copyOf(clusterMembers);
    return this;
  }

  public String getClusterService() {
    return clusterService;
  }

  public PickerOptions setClusterService(String clusterService) {
    this.clusterService = clusterService;
    return this;
  }

  public String getClusterHost() {
    return clusterHost;
  }

  public PickerOptions setClusterHost(String clusterHost) {
    this.clusterHost = clusterHost;
    return this;
  }

  /** The clustered event bus's TCP port; 0 for any free one. */
  public int getClusterBusPort() {
    return clusterBusPort;
  }

  public PickerOptions setClusterBusPort(int clusterBusPort) {
    this.clusterBusPort = port("clusterBusPort", clusterBusPort);
    return this;
  }

  /** The file holding the cluster secret; null without one. */
  public String getClusterSecretFile() {
    return clusterSecretFile;
  }

  public PickerOptions setClusterSecretFile(String clusterSecretFile) {
    this.clusterSecretFile = clusterSecretFile;
    return this;
  }

  /** Cluster without a secret: unauthenticated, unencrypted (a loud warning at start). */
  public boolean isClusterInsecure() {
    return clusterInsecure;
  }

  public PickerOptions setClusterInsecure(boolean clusterInsecure) {
    this.clusterInsecure = clusterInsecure;
    return this;
  }

  public int getClusterPort() {
    return clusterPort;
  }

  public PickerOptions setClusterPort(int clusterPort) {
    this.clusterPort = port("clusterPort", clusterPort);
    return this;
  }

  /** The scrape interval of the in-process sidecar ({@code --refresh-metrics-interval}). */
  public Duration getRefreshMetricsInterval() {
    return refreshMetricsInterval;
  }

  public PickerOptions setRefreshMetricsInterval(Duration interval) {
    this.refreshMetricsInterval = positive("refreshMetricsInterval", interval);
    return this;
  }

  /** Engine samples older than this count as absent ({@code --metrics-staleness-threshold}). */
  public Duration getMetricsStalenessThreshold() {
    return metricsStalenessThreshold;
  }

  public PickerOptions setMetricsStalenessThreshold(Duration threshold) {
    this.metricsStalenessThreshold = positive("metricsStalenessThreshold", threshold);
    return this;
  }

  /** TLS on the ext_proc port. */
  public boolean isSecureServing() {
    return secureServing;
  }

  public PickerOptions setSecureServing(boolean secureServing) {
    this.secureServing = secureServing;
    return this;
  }

  /** A directory with {@code tls.crt} and {@code tls.key}; null for a self-signed certificate. */
  public String getCertPath() {
    return certPath;
  }

  public PickerOptions setCertPath(String certPath) {
    this.certPath = certPath;
    return this;
  }

  public Duration getCertReloadInterval() {
    return certReloadInterval;
  }

  public PickerOptions setCertReloadInterval(Duration interval) {
    this.certReloadInterval = positive("certReloadInterval", interval);
    return this;
  }

  public int getMaxBodyBytes() {
    return maxBodyBytes;
  }

  public PickerOptions setMaxBodyBytes(int maxBodyBytes) {
    this.maxBodyBytes = OptionChecks.atLeast("maxBodyBytes", maxBodyBytes, 1);
    return this;
  }

  /** HTTP servers (event loops) sharing the ext_proc port; 0 for one per available processor. */
  public int getExtProcServers() {
    return extProcServers;
  }

  public PickerOptions setExtProcServers(int extProcServers) {
    if (extProcServers < 0 || extProcServers > 1024) {
      throw new IllegalArgumentException("extProcServers: " + extProcServers + " (expected: [0, 1024])");
    }
    this.extProcServers = extProcServers;
    return this;
  }

  /** The in-process sidecar's GPU probe: as set, else {@code mock} with a mock file, else {@link #DEFAULT_GPU_PROBE}. */
  public GpuProbeKind getGpuProbe() {
    return gpuProbe != null ? gpuProbe : mockGpus != null ? GpuProbeKind.MOCK : DEFAULT_GPU_PROBE;
  }

  public PickerOptions setGpuProbe(GpuProbeKind gpuProbe) {
    this.gpuProbe = gpuProbe;
    return this;
  }

  public String getMockGpus() {
    return mockGpus;
  }

  /** Mock GPUs for the in-process sidecar (implies {@code gpuProbe: mock}). */
  public PickerOptions setMockGpus(String mockGpus) {
    this.mockGpus = mockGpus;
    return this;
  }

  public String getNvmlLibrary() {
    return nvmlLibrary;
  }

  public PickerOptions setNvmlLibrary(String nvmlLibrary) {
    this.nvmlLibrary = nvmlLibrary;
    return this;
  }

  /**
   * The namespace used when {@code poolNamespace} is not set (not part of the JSON form; {@code
   * picker.jar} sets env {@code NAMESPACE}, which the Kubernetes downward API fills in).
   */
  public String getNamespaceFallback() {
    return namespaceFallback;
  }

  public PickerOptions setNamespaceFallback(String namespace) {
    this.namespaceFallback = namespace;
    return this;
  }

  /** An EndpointPickerConfig already loaded, used instead of {@code configFile}/{@code configText}. */
  public PickerConfig getConfig() {
    return config;
  }

  public PickerOptions setConfig(PickerConfig config) {
    this.config = config;
    return this;
  }

  /** Routing objects already read, used instead of {@code objectsFile}. */
  public RoutingObjects getRouting() {
    return routing;
  }

  public PickerOptions setRouting(RoutingObjects routing) {
    this.routing = routing;
    return this;
  }

  /** A GPU probe already opened for the in-process sidecar (it closes it), used instead of {@code gpuProbe}. */
  public GpuProbe getCustomGpuProbe() {
    return customGpuProbe;
  }

  public PickerOptions setCustomGpuProbe(GpuProbe customGpuProbe) {
    this.customGpuProbe = customGpuProbe;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PickerOptions other && toJson().equals(other.toJson())
        && java.util.Objects.equals(namespaceFallback, other.namespaceFallback) && config == other.config
        && routing == other.routing && customGpuProbe == other.customGpuProbe;
  }

  @Override
  public int hashCode() {
    return toJson().hashCode();
  }

  @Override
  public String toString() {
    return "PickerOptions" + toJson().encode();
  }

  // ---------------------------------------------------------------- helpers

  /** {@code k=v,k2=v2} (spaces around items allowed). */
  static Map<String, String> labels(String what, String text) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String item : text.split(",", -1)) {
      String kv = item.trim();
      int eq = kv.indexOf('=');
      if (eq <= 0 || kv.indexOf('=', eq + 1) >= 0 || kv.substring(0, eq).isBlank()) {
        throw new SettingsException(what + ": \"" + text + "\": item \"" + kv
            + "\" (expected: key=value pairs separated by commas, e.g. app=vllm,tier=gpu)");
      }
      String key = kv.substring(0, eq).trim();
      if (out.put(key, kv.substring(eq + 1).trim()) != null) {
        throw new SettingsException(what + ": \"" + text + "\": key \"" + key + "\" given twice");
      }
    }
    return out;
  }

  /** {@code 8000,8001}: 1 to 8 distinct ports. */
  static List<Integer> ports(String what, String text) {
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
        throw new SettingsException(what + ": \"" + text + "\": item " + (i + 1) + " \"" + item
            + "\" (expected: a port in [1, 65535])");
      }
      if (out.contains(port)) {
        throw new SettingsException(what + ": \"" + text + "\": port " + port + " given twice");
      }
      out.add(port);
    }
    if (out.size() > InferencePoolSpec.MAX_TARGET_PORTS) {
      throw new SettingsException(what + ": " + out.size() + " ports (expected: 1 to "
          + InferencePoolSpec.MAX_TARGET_PORTS + ")");
    }
    return out;
  }

  private static List<Integer> portList(SettingsNode list) {
    List<Integer> out = new ArrayList<>();
    for (SettingsNode p : list.elements()) {
      out.add(p.asInt(1, 65535));
    }
    return out;
  }

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    List<String> out = new ArrayList<>();
    for (List<String> l : lists) {
      out.addAll(l);
    }
    return List.copyOf(out);
  }

  private static void putIf(JsonObject j, String key, Object value) {
    if (value != null) {
      j.put(key, value);
    }
  }

  private static int port(String name, int port) {
    return OptionChecks.port(name, port);
  }

  private static Duration positive(String name, Duration d) {
    return OptionChecks.positive(name, d);
  }
}
