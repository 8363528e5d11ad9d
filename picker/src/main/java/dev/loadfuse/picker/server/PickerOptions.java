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
import dev.loadfuse.discovery.kubernetes.LabelSelector;
import dev.loadfuse.discovery.kubernetes.PoolApi;
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
import dev.loadfuse.sidecar.api.cluster.ClusterSettings;
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
  /** {@code --pool-group}: the InferencePool API group the reference watches (v1). */
  public static final String DEFAULT_POOL_GROUP = "inference.networking.k8s.io";
  /** {@code --drain-timeout} (llm-d router): how long the picker keeps serving after SIGTERM. */
  public static final Duration DEFAULT_DRAIN_TIMEOUT = Duration.ofSeconds(30);
  /** The reference's leader election timings (controller-runtime's defaults; not flags there). */
  public static final Duration DEFAULT_LEADER_ELECTION_LEASE_DURATION = Duration.ofSeconds(15);
  public static final Duration DEFAULT_LEADER_ELECTION_RENEW_DEADLINE = Duration.ofSeconds(10);
  public static final Duration DEFAULT_LEADER_ELECTION_RETRY_PERIOD = Duration.ofSeconds(2);
  /** {@code --refresh-prometheus-metrics-interval}: the period of the pool gauges. */
  public static final Duration DEFAULT_REFRESH_PROMETHEUS_METRICS_INTERVAL = Duration.ofSeconds(5);
  /** {@code --tracing}: on in the reference binary (its Helm chart passes {@code --tracing=false}). */
  public static final boolean DEFAULT_TRACING = true;
  /** {@code --enable-pprof}: on in the reference; here it serves nothing (see the flag's help). */
  public static final boolean DEFAULT_ENABLE_PPROF = true;
  /** {@code --model-server-metrics-scheme} (deprecated in GIE v1.5): the values it takes. */
  public static final List<String> MODEL_SERVER_METRICS_SCHEMES = List.of("http", "https");
  /** {@code --tls-min-version} (llm-d router): Go's names of the TLS versions. */
  public static final List<String> TLS_VERSIONS = List.of("VersionTLS10", "VersionTLS11", "VersionTLS12", "VersionTLS13");
  /**
   * {@code --tls-cipher-suites} (llm-d router): the names Go's crypto/tls knows (its secure and
   * insecure lists), which are the IANA names Java uses too.
   */
  public static final List<String> TLS_CIPHER_SUITES = List.of(
      "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
      "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
      "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
      "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
      "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA",
      "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256",
      "TLS_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
      "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
      "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256");
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
      "maxBodyBytes", "extProcServers", "gpuProbe", "mockGpus", "nvmlLibrary",
      // The reference's flags (GIE v1.5 and the llm-d router v0.10) beyond the ones above.
      "poolGroup", "haEnableLeaderElection", "leaderElectionLeaseDuration", "leaderElectionRenewDeadline",
      "leaderElectionRetryPeriod", "drainTimeout", "grpcMaxRecvMsgSize", "grpcMaxSendMsgSize", "tlsMinVersion",
      "tlsCipherSuites", "enableCertReload", "healthChecking", "metricsEndpointAuth", "metricsCertDir",
      "metricsClientCaFile", "enablePprof", "tracing", "refreshPrometheusMetricsInterval",
      "disableEndpointSubsetFilter", "emitEndpointScores", "enableGrpcStreamMetrics", "allowExperimentalPlugins",
      "modelServerMetricsScheme", "modelServerMetricsPath", "modelServerMetricsPort",
      "modelServerMetricsHttpsInsecureSkipVerify"), BOUND_KEYS, ExtProcLimits.KEYS);

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
  private LabelSelector endpointSelector;
  private List<Integer> endpointTargetPorts = List.of();
  private Duration kubernetesResyncPeriod = DEFAULT_KUBERNETES_RESYNC_PERIOD;
  private ClusterSettings clusterSettings = ClusterSettings.NONE;
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
  private String poolGroup;
  private boolean haEnableLeaderElection;
  private Duration leaderElectionLeaseDuration = DEFAULT_LEADER_ELECTION_LEASE_DURATION;
  private Duration leaderElectionRenewDeadline = DEFAULT_LEADER_ELECTION_RENEW_DEADLINE;
  private Duration leaderElectionRetryPeriod = DEFAULT_LEADER_ELECTION_RETRY_PERIOD;
  private Duration drainTimeout = DEFAULT_DRAIN_TIMEOUT;
  private Integer grpcMaxRecvMsgSize;
  private Integer grpcMaxSendMsgSize;
  private String tlsMinVersion;
  private List<String> tlsCipherSuites = List.of();
  private boolean enableCertReload;
  private boolean healthChecking;
  private Boolean metricsEndpointAuth;
  private String metricsCertDir;
  private String metricsClientCaFile;
  private boolean enablePprof = DEFAULT_ENABLE_PPROF;
  private boolean tracing = DEFAULT_TRACING;
  private Duration refreshPrometheusMetricsInterval = DEFAULT_REFRESH_PROMETHEUS_METRICS_INTERVAL;
  private boolean disableEndpointSubsetFilter;
  private boolean emitEndpointScores;
  private boolean enableGrpcStreamMetrics;
  private boolean allowExperimentalPlugins;
  private String modelServerMetricsScheme;
  private String modelServerMetricsPath;
  private Integer modelServerMetricsPort;
  private Boolean modelServerMetricsHttpsInsecureSkipVerify;

  // Programmatic only.
  private String namespaceFallback;
  private String podName;
  private PickerConfig config;
  private RoutingObjects routing;
  private GpuProbe customGpuProbe;
  private java.time.InstantSource flowControlClock;

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
    clusterSettings = o.clusterSettings;
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
    poolGroup = o.poolGroup;
    haEnableLeaderElection = o.haEnableLeaderElection;
    leaderElectionLeaseDuration = o.leaderElectionLeaseDuration;
    leaderElectionRenewDeadline = o.leaderElectionRenewDeadline;
    leaderElectionRetryPeriod = o.leaderElectionRetryPeriod;
    drainTimeout = o.drainTimeout;
    grpcMaxRecvMsgSize = o.grpcMaxRecvMsgSize;
    grpcMaxSendMsgSize = o.grpcMaxSendMsgSize;
    tlsMinVersion = o.tlsMinVersion;
    tlsCipherSuites = o.tlsCipherSuites;
    enableCertReload = o.enableCertReload;
    healthChecking = o.healthChecking;
    metricsEndpointAuth = o.metricsEndpointAuth;
    metricsCertDir = o.metricsCertDir;
    metricsClientCaFile = o.metricsClientCaFile;
    enablePprof = o.enablePprof;
    tracing = o.tracing;
    refreshPrometheusMetricsInterval = o.refreshPrometheusMetricsInterval;
    disableEndpointSubsetFilter = o.disableEndpointSubsetFilter;
    emitEndpointScores = o.emitEndpointScores;
    enableGrpcStreamMetrics = o.enableGrpcStreamMetrics;
    allowExperimentalPlugins = o.allowExperimentalPlugins;
    modelServerMetricsScheme = o.modelServerMetricsScheme;
    modelServerMetricsPath = o.modelServerMetricsPath;
    modelServerMetricsPort = o.modelServerMetricsPort;
    modelServerMetricsHttpsInsecureSkipVerify = o.modelServerMetricsHttpsInsecureSkipVerify;
    namespaceFallback = o.namespaceFallback;
    podName = o.podName;
    config = o.config;
    routing = o.routing;
    customGpuProbe = o.customGpuProbe;
    flowControlClock = o.flowControlClock;
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
      o.endpointSelector = selector.isText() ? selector(selector.where(), selector.asString())
          : LabelSelector.of(selector.asStringMap());
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
    o.clusterSettings = ClusterSettings.read(node);
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
    SettingsNode group = node.get("poolGroup");
    if (!group.isMissing()) {
      o.poolGroup = poolGroup(group.where(), group.asString());
    }
    o.haEnableLeaderElection = node.bool("haEnableLeaderElection", false);
    o.leaderElectionLeaseDuration = node.duration("leaderElectionLeaseDuration", DEFAULT_LEADER_ELECTION_LEASE_DURATION);
    o.leaderElectionRenewDeadline = node.duration("leaderElectionRenewDeadline", DEFAULT_LEADER_ELECTION_RENEW_DEADLINE);
    o.leaderElectionRetryPeriod = node.duration("leaderElectionRetryPeriod", DEFAULT_LEADER_ELECTION_RETRY_PERIOD);
    o.drainTimeout = node.durationOrZero("drainTimeout", DEFAULT_DRAIN_TIMEOUT);
    o.grpcMaxRecvMsgSize = msgSize(node.get("grpcMaxRecvMsgSize"));
    o.grpcMaxSendMsgSize = msgSize(node.get("grpcMaxSendMsgSize"));
    SettingsNode tlsMin = node.get("tlsMinVersion");
    if (!tlsMin.isMissing() && !tlsMin.asString().isEmpty()) {
      o.tlsMinVersion = exactlyOneOf(tlsMin, TLS_VERSIONS);
    }
    SettingsNode suites = node.get("tlsCipherSuites");
    if (!suites.isMissing()) {
      o.tlsCipherSuites = cipherSuites(suites.where(),
          suites.isText() ? List.of(suites.asString().split(",", -1)) : suites.asStrings());
    }
    o.enableCertReload = node.bool("enableCertReload", false);
    o.healthChecking = node.bool("healthChecking", false);
    o.metricsEndpointAuth = node.has("metricsEndpointAuth") ? node.bool("metricsEndpointAuth", true) : null;
    o.metricsCertDir = emptyIsNull(node.string("metricsCertDir", null));
    o.metricsClientCaFile = emptyIsNull(node.string("metricsClientCaFile", null));
    o.enablePprof = node.bool("enablePprof", DEFAULT_ENABLE_PPROF);
    o.tracing = node.bool("tracing", DEFAULT_TRACING);
    o.refreshPrometheusMetricsInterval =
        node.duration("refreshPrometheusMetricsInterval", DEFAULT_REFRESH_PROMETHEUS_METRICS_INTERVAL);
    o.disableEndpointSubsetFilter = node.bool("disableEndpointSubsetFilter", false);
    o.emitEndpointScores = node.bool("emitEndpointScores", false);
    o.enableGrpcStreamMetrics = node.bool("enableGrpcStreamMetrics", false);
    o.allowExperimentalPlugins = node.bool("allowExperimentalPlugins", false);
    SettingsNode scheme = node.get("modelServerMetricsScheme");
    if (!scheme.isMissing()) {
      o.modelServerMetricsScheme = exactlyOneOf(scheme, MODEL_SERVER_METRICS_SCHEMES);
    }
    o.modelServerMetricsPath = node.string("modelServerMetricsPath", null);
    o.modelServerMetricsPort = node.has("modelServerMetricsPort")
        ? node.integer("modelServerMetricsPort", 0, 0, 65535) : null;
    o.modelServerMetricsHttpsInsecureSkipVerify = node.has("modelServerMetricsHttpsInsecureSkipVerify")
        ? node.bool("modelServerMetricsHttpsInsecureSkipVerify", true) : null;
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
    putIf(j, "endpointSelector", endpointSelector == null ? null : endpointSelector.toString());
    if (!endpointTargetPorts.isEmpty()) {
      j.put("endpointTargetPorts", new JsonArray(new ArrayList<>(endpointTargetPorts)));
    }
    j.put("kubernetesResyncPeriod", Durations.format(kubernetesResyncPeriod));
    clusterSettings.putInto(j);
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
    putIf(j, "poolGroup", poolGroup);
    j.put("haEnableLeaderElection", haEnableLeaderElection);
    j.put("leaderElectionLeaseDuration", Durations.format(leaderElectionLeaseDuration));
    j.put("leaderElectionRenewDeadline", Durations.format(leaderElectionRenewDeadline));
    j.put("leaderElectionRetryPeriod", Durations.format(leaderElectionRetryPeriod));
    j.put("drainTimeout", drainTimeout.isZero() ? "0" : Durations.format(drainTimeout));
    putIf(j, "grpcMaxRecvMsgSize", grpcMaxRecvMsgSize == null ? null : ByteSizes.format(grpcMaxRecvMsgSize));
    putIf(j, "grpcMaxSendMsgSize", grpcMaxSendMsgSize == null ? null : ByteSizes.format(grpcMaxSendMsgSize));
    putIf(j, "tlsMinVersion", tlsMinVersion);
    if (!tlsCipherSuites.isEmpty()) {
      j.put("tlsCipherSuites", new JsonArray(new ArrayList<>(tlsCipherSuites)));
    }
    j.put("enableCertReload", enableCertReload);
    j.put("healthChecking", healthChecking);
    putIf(j, "metricsEndpointAuth", metricsEndpointAuth);
    putIf(j, "metricsCertDir", metricsCertDir);
    putIf(j, "metricsClientCaFile", metricsClientCaFile);
    j.put("enablePprof", enablePprof);
    j.put("tracing", tracing);
    j.put("refreshPrometheusMetricsInterval", Durations.format(refreshPrometheusMetricsInterval));
    j.put("disableEndpointSubsetFilter", disableEndpointSubsetFilter);
    j.put("emitEndpointScores", emitEndpointScores);
    j.put("enableGrpcStreamMetrics", enableGrpcStreamMetrics);
    j.put("allowExperimentalPlugins", allowExperimentalPlugins);
    putIf(j, "modelServerMetricsScheme", modelServerMetricsScheme);
    putIf(j, "modelServerMetricsPath", modelServerMetricsPath);
    putIf(j, "modelServerMetricsPort", modelServerMetricsPort);
    putIf(j, "modelServerMetricsHttpsInsecureSkipVerify", modelServerMetricsHttpsInsecureSkipVerify);
    return j;
  }

  /**
   * Cross-field checks: one source of endpoints, what goes with what. The messages name the flags
   * (the keys in kebab case).
   */
  public PickerOptions validate() {
    if (clusterSettings.service() != null && !clusterSettings.members().isEmpty()) {
      throw new IllegalArgumentException("--cluster-members and --cluster-service: give one (a member list, or the"
          + " headless Service whose pods are the members)");
    }
    clusterSettings.checkSecretNeedsCluster(remoteSidecars());
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
    if (metricsClientCaFile != null && metricsCertDir == null) {
      throw new IllegalArgumentException("--metrics-client-ca-file needs --metrics-cert-dir (client certificates are"
          + " checked only on a TLS metrics port)");
    }
    if (metricsCertDir != null && metricsClientCaFile == null && !isMetricsEndpointAuth()) {
      throw new IllegalArgumentException("--metrics-cert-dir: TLS without authentication; give --metrics-client-ca-file"
          + " or --metrics-endpoint-auth=true");
    }
    if (haEnableLeaderElection && endpointsFile != null) {
      throw new IllegalArgumentException("--ha-enable-leader-election: only in Kubernetes mode (the Lease lives in the"
          + " API server; not with --endpoints-file)");
    }
    if (haEnableLeaderElection && kubernetes() == null) {
      throw new IllegalArgumentException("--ha-enable-leader-election: needs --pool-name or --endpoint-selector (the"
          + " Lease is named after the pool)");
    }
    if (leaderElectionRenewDeadline.compareTo(leaderElectionLeaseDuration) >= 0) {
      throw new IllegalArgumentException("leaderElectionRenewDeadline: " + Durations.format(leaderElectionRenewDeadline)
          + " (expected: < leaderElectionLeaseDuration " + Durations.format(leaderElectionLeaseDuration) + ")");
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
      KubernetesDiscoveryOptions pool = KubernetesDiscoveryOptions.forPool(namespace, poolName)
          .withResyncPeriod(kubernetesResyncPeriod);
      // --pool-group given: that group's InferencePools only (the reference watches only the
      // group it is given); not given: both versions, v1 winning, as before the flag existed.
      return poolGroup == null ? pool : pool.withPoolApis(java.util.EnumSet.of(poolApi(poolGroup)));
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
    return clusterSettings.cluster() || !clusterSettings.members().isEmpty() || clusterSettings.service() != null;
  }

  /**
   * How this picker joins the clustered bus; the Service is looked up in the pool's namespace.
   * Reads the cluster secret file.
   *
   * @throws IllegalArgumentException naming the secret file when it cannot be used, or saying
   *     that a secret (or {@code clusterInsecure}) is needed
   */
  public ClusterOptions clusterOptions() {
    return clusterSettings.clusterOptions(clusterSettings.service() == null ? null : namespace());
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

  /** Without CRDs: what the pods' labels must meet (null when not used). */
  public LabelSelector getEndpointSelector() {
    return endpointSelector;
  }

  public PickerOptions setEndpointSelector(LabelSelector endpointSelector) {
    this.endpointSelector = endpointSelector;
    return this;
  }

  /** Without CRDs: labels the pods must all carry. */
  public PickerOptions setEndpointSelector(Map<String, String> labels) {
    return setEndpointSelector(labels == null ? null : LabelSelector.of(labels));
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

  /** The {@code cluster*} settings (immutable). */
  public ClusterSettings getClusterSettings() {
    return clusterSettings;
  }

  public PickerOptions setClusterSettings(ClusterSettings clusterSettings) {
    this.clusterSettings = java.util.Objects.requireNonNull(clusterSettings, "clusterSettings");
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

  /** {@code --pool-group}: the InferencePool API group; {@value #DEFAULT_POOL_GROUP} unless set. */
  public String getPoolGroup() {
    return poolGroup != null ? poolGroup : DEFAULT_POOL_GROUP;
  }

  /** Watch only this group's InferencePools (null: both versions, v1 winning). */
  public PickerOptions setPoolGroup(String poolGroup) {
    this.poolGroup = poolGroup == null ? null : poolGroup("poolGroup", poolGroup);
    return this;
  }

  /** Kubernetes Lease leader election: readiness only on the leader ({@code --ha-enable-leader-election}). */
  public boolean isHaEnableLeaderElection() {
    return haEnableLeaderElection;
  }

  public PickerOptions setHaEnableLeaderElection(boolean haEnableLeaderElection) {
    this.haEnableLeaderElection = haEnableLeaderElection;
    return this;
  }

  public Duration getLeaderElectionLeaseDuration() {
    return leaderElectionLeaseDuration;
  }

  public PickerOptions setLeaderElectionLeaseDuration(Duration d) {
    this.leaderElectionLeaseDuration = positive("leaderElectionLeaseDuration", d);
    return this;
  }

  public Duration getLeaderElectionRenewDeadline() {
    return leaderElectionRenewDeadline;
  }

  public PickerOptions setLeaderElectionRenewDeadline(Duration d) {
    this.leaderElectionRenewDeadline = positive("leaderElectionRenewDeadline", d);
    return this;
  }

  public Duration getLeaderElectionRetryPeriod() {
    return leaderElectionRetryPeriod;
  }

  public PickerOptions setLeaderElectionRetryPeriod(Duration d) {
    this.leaderElectionRetryPeriod = positive("leaderElectionRetryPeriod", d);
    return this;
  }

  /** After SIGTERM: health NOT_SERVING, ext_proc keeps serving this long, then open streams finish; 0 to stop at once. */
  public Duration getDrainTimeout() {
    return drainTimeout;
  }

  public PickerOptions setDrainTimeout(Duration drainTimeout) {
    if (drainTimeout == null || drainTimeout.isNegative()) {
      throw new IllegalArgumentException("drainTimeout: " + drainTimeout + " (expected: >= 0)");
    }
    this.drainTimeout = drainTimeout;
    return this;
  }

  /**
   * The largest gRPC message the ext_proc server takes ({@code --grpc-max-recv-msg-size}); null
   * when not given: then {@code maxBodyBytes} + 1 MiB, since Envoy sends a buffered body in one
   * message (gRPC's 4 MiB default, the reference's, would refuse larger bodies).
   */
  public Integer getGrpcMaxRecvMsgSize() {
    return grpcMaxRecvMsgSize;
  }

  public PickerOptions setGrpcMaxRecvMsgSize(Integer bytes) {
    this.grpcMaxRecvMsgSize = bytes == null ? null : OptionChecks.atLeast("grpcMaxRecvMsgSize", bytes, 1);
    return this;
  }

  /**
   * {@code --grpc-max-send-msg-size}: accepted and kept; null when not given. The picker's
   * messages are bounded already (headers and a body rewrite within {@code maxBodyBytes}).
   */
  public Integer getGrpcMaxSendMsgSize() {
    return grpcMaxSendMsgSize;
  }

  public PickerOptions setGrpcMaxSendMsgSize(Integer bytes) {
    this.grpcMaxSendMsgSize = bytes == null ? null : OptionChecks.atLeast("grpcMaxSendMsgSize", bytes, 1);
    return this;
  }

  /** The lowest TLS version of the ext_proc port, Go's name ({@code VersionTLS13}); null for TLS 1.2. */
  public String getTlsMinVersion() {
    return tlsMinVersion;
  }

  public PickerOptions setTlsMinVersion(String version) {
    if (version != null && !TLS_VERSIONS.contains(version)) {
      throw new IllegalArgumentException("tlsMinVersion: \"" + version + "\" (expected: one of "
          + String.join(", ", TLS_VERSIONS) + ")");
    }
    this.tlsMinVersion = version;
    return this;
  }

  /** The TLS 1.2 cipher suites of the ext_proc port (empty: the JDK's defaults). */
  public List<String> getTlsCipherSuites() {
    return tlsCipherSuites;
  }

  public PickerOptions setTlsCipherSuites(List<String> suites) {
    this.tlsCipherSuites = cipherSuites("tlsCipherSuites", suites);
    return this;
  }

  /** Reload {@code certPath}'s files when they change ({@code --enable-cert-reload}). */
  public boolean isEnableCertReload() {
    return enableCertReload;
  }

  public PickerOptions setEnableCertReload(boolean enableCertReload) {
    this.enableCertReload = enableCertReload;
    return this;
  }

  /** Also answer gRPC health on the ext_proc port, statically SERVING ({@code --health-checking}). */
  public boolean isHealthChecking() {
    return healthChecking;
  }

  public PickerOptions setHealthChecking(boolean healthChecking) {
    this.healthChecking = healthChecking;
    return this;
  }

  /**
   * Whether {@code /metrics} and {@code /v1/endpoints} demand a bearer token that the API server
   * accepts (TokenReview) and allows {@code get} on the path (SubjectAccessReview): as set, else
   * true in Kubernetes mode (the reference's default) and false otherwise (there is no API server
   * to ask).
   */
  public boolean isMetricsEndpointAuth() {
    return metricsEndpointAuth != null ? metricsEndpointAuth
        : endpointsFile == null && (poolName != null || endpointSelector != null);
  }

  /** The value given; null when not given (then {@link #isMetricsEndpointAuth} decides by mode). */
  public Boolean getMetricsEndpointAuth() {
    return metricsEndpointAuth;
  }

  public PickerOptions setMetricsEndpointAuth(Boolean metricsEndpointAuth) {
    this.metricsEndpointAuth = metricsEndpointAuth;
    return this;
  }

  /** A directory with {@code tls.crt} and {@code tls.key}: HTTPS on the metrics port; null for HTTP. */
  public String getMetricsCertDir() {
    return metricsCertDir;
  }

  public PickerOptions setMetricsCertDir(String metricsCertDir) {
    this.metricsCertDir = emptyIsNull(metricsCertDir);
    return this;
  }

  /** A PEM CA bundle: the metrics port demands client certificates signed by it; null for none. */
  public String getMetricsClientCaFile() {
    return metricsClientCaFile;
  }

  public PickerOptions setMetricsClientCaFile(String metricsClientCaFile) {
    this.metricsClientCaFile = emptyIsNull(metricsClientCaFile);
    return this;
  }

  /** {@code --enable-pprof}: accepted; nothing is served (the JVM's diagnostics are jcmd and JFR). */
  public boolean isEnablePprof() {
    return enablePprof;
  }

  public PickerOptions setEnablePprof(boolean enablePprof) {
    this.enablePprof = enablePprof;
    return this;
  }

  /** OpenTelemetry tracing ({@code --tracing}, default {@value #DEFAULT_TRACING}). */
  public boolean isTracing() {
    return tracing;
  }

  public PickerOptions setTracing(boolean tracing) {
    this.tracing = tracing;
    return this;
  }

  /** The period of the pool gauges ({@code --refresh-prometheus-metrics-interval}). */
  public Duration getRefreshPrometheusMetricsInterval() {
    return refreshPrometheusMetricsInterval;
  }

  public PickerOptions setRefreshPrometheusMetricsInterval(Duration interval) {
    this.refreshPrometheusMetricsInterval = positive("refreshPrometheusMetricsInterval", interval);
    return this;
  }

  /** Ignore Envoy's endpoint subset hint ({@code --disable-endpoint-subset-filter}). */
  public boolean isDisableEndpointSubsetFilter() {
    return disableEndpointSubsetFilter;
  }

  public PickerOptions setDisableEndpointSubsetFilter(boolean disable) {
    this.disableEndpointSubsetFilter = disable;
    return this;
  }

  /** Put each endpoint's scores in the response's dynamic metadata ({@code --emit-endpoint-scores}). */
  public boolean isEmitEndpointScores() {
    return emitEndpointScores;
  }

  public PickerOptions setEmitEndpointScores(boolean emitEndpointScores) {
    this.emitEndpointScores = emitEndpointScores;
    return this;
  }

  /** The ext_proc stream metrics ({@code --enable-grpc-stream-metrics}). */
  public boolean isEnableGrpcStreamMetrics() {
    return enableGrpcStreamMetrics;
  }

  public PickerOptions setEnableGrpcStreamMetrics(boolean enable) {
    this.enableGrpcStreamMetrics = enable;
    return this;
  }

  /** Permit plugins of alpha stability in the config ({@code --allow-experimental-plugins}). */
  public boolean isAllowExperimentalPlugins() {
    return allowExperimentalPlugins;
  }

  public PickerOptions setAllowExperimentalPlugins(boolean allow) {
    this.allowExperimentalPlugins = allow;
    return this;
  }

  /**
   * Deprecated in GIE v1.5 ({@code --model-server-metrics-scheme}): when given, the default of
   * {@code metrics-data-source}'s {@code scheme}; null when not given.
   */
  public String getModelServerMetricsScheme() {
    return modelServerMetricsScheme;
  }

  public PickerOptions setModelServerMetricsScheme(String scheme) {
    if (scheme != null && !MODEL_SERVER_METRICS_SCHEMES.contains(scheme)) {
      throw new IllegalArgumentException("modelServerMetricsScheme: \"" + scheme + "\" (expected: one of http, https)");
    }
    this.modelServerMetricsScheme = scheme;
    return this;
  }

  /** Deprecated ({@code --model-server-metrics-path}): the default of {@code metrics-data-source}'s path; null when not given. */
  public String getModelServerMetricsPath() {
    return modelServerMetricsPath;
  }

  public PickerOptions setModelServerMetricsPath(String path) {
    this.modelServerMetricsPath = path;
    return this;
  }

  /** Deprecated ({@code --model-server-metrics-port}): 0 for the target port; null when not given. */
  public Integer getModelServerMetricsPort() {
    return modelServerMetricsPort;
  }

  public PickerOptions setModelServerMetricsPort(Integer port) {
    this.modelServerMetricsPort = port == null ? null : port("modelServerMetricsPort", port);
    return this;
  }

  /** Deprecated ({@code --model-server-metrics-https-insecure-skip-verify}); null when not given. */
  public Boolean getModelServerMetricsHttpsInsecureSkipVerify() {
    return modelServerMetricsHttpsInsecureSkipVerify;
  }

  public PickerOptions setModelServerMetricsHttpsInsecureSkipVerify(Boolean skip) {
    this.modelServerMetricsHttpsInsecureSkipVerify = skip;
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

  /**
   * This pod's name (not part of the JSON form; {@code picker.jar} sets env {@code POD_NAME}, from
   * the downward API): the leader election identity, and in selector mode the Deployment that
   * names the Lease. Null when unknown (the host name is used).
   */
  public String getPodName() {
    return podName;
  }

  public PickerOptions setPodName(String podName) {
    this.podName = podName;
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

  /** The clock flow control keeps time by (waits, TTLs); null for the system's. */
  public java.time.InstantSource getFlowControlClock() {
    return flowControlClock;
  }

  /** A clock for flow control other than the system's (a simulation's, which moves in simulated time). */
  public PickerOptions setFlowControlClock(java.time.InstantSource flowControlClock) {
    this.flowControlClock = flowControlClock;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PickerOptions other && toJson().equals(other.toJson())
        && java.util.Objects.equals(namespaceFallback, other.namespaceFallback) && config == other.config
        && routing == other.routing && customGpuProbe == other.customGpuProbe
        && flowControlClock == other.flowControlClock;
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

  /** A Kubernetes label selector in text form ({@link LabelSelector}). */
  static LabelSelector selector(String what, String text) {
    try {
      return LabelSelector.parse(text);
    } catch (IllegalArgumentException e) {
      throw new SettingsException(what + ": " + e.getMessage()
          + (e.getMessage().contains("(expected") ? "" : " (expected: " + LabelSelector.EXPECTED + ")"), e);
    }
  }

  /** The InferencePool version of {@code --pool-group}. */
  private static PoolApi poolApi(String group) {
    for (PoolApi api : PoolApi.values()) {
      if (api.group().equals(group)) {
        return api;
      }
    }
    throw new IllegalStateException(group); // checked by poolGroup()
  }

  private static String poolGroup(String what, String group) {
    List<String> known = java.util.Arrays.stream(PoolApi.values()).map(PoolApi::group).toList();
    if (!known.contains(group)) {
      throw new SettingsException(what + ": \"" + group + "\" (expected: " + String.join(" or ", known) + ")");
    }
    return group;
  }

  /** A message size as a Kubernetes quantity ({@code 10MiB}, {@code 25MB}); empty text for gRPC's default. */
  private static Integer msgSize(SettingsNode n) {
    if (n.isMissing() || n.isText() && n.asString().isBlank()) {
      return null;
    }
    long v;
    try {
      v = n.isText() ? ByteSizes.parseQuantity(n.asString()) : n.asLong(0, Integer.MAX_VALUE);
    } catch (IllegalArgumentException e) {
      throw n.fail(n.describe() + " (expected: " + ByteSizes.EXPECTED_QUANTITY + ")");
    }
    if (v < 1 || v > Integer.MAX_VALUE) {
      throw n.fail(n.describe() + " (expected: 1 byte to " + ByteSizes.format(Integer.MAX_VALUE) + ")");
    }
    return (int) v;
  }

  /** One of {@code allowed}, exactly as written there (Go compares these case-sensitively). */
  private static String exactlyOneOf(SettingsNode n, List<String> allowed) {
    String v = n.asString();
    if (!allowed.contains(v)) {
      throw n.fail(n.describe() + " (expected: one of " + String.join(", ", allowed) + ")");
    }
    return v;
  }

  private static List<String> cipherSuites(String what, List<String> names) {
    List<String> out = new ArrayList<>();
    for (String raw : names) {
      String name = raw.trim();
      if (name.isEmpty()) {
        continue; // the router skips blanks
      }
      if (!TLS_CIPHER_SUITES.contains(name)) {
        throw new SettingsException(what + ": unknown cipher suite \"" + name + "\" (expected: Go's names, e.g."
            + " TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)");
      }
      out.add(name);
    }
    return List.copyOf(out);
  }

  private static String emptyIsNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /** {@code 8000,8001}: 1 to 8 ports; one given twice counts once, as in the reference. */
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
      if (!out.contains(port)) {
        out.add(port);
      }
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
