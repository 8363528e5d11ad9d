package dev.loadfuse.sidecar;

import dev.loadfuse.common.settings.ByteSizes;
import dev.loadfuse.common.settings.Durations;
import dev.loadfuse.common.settings.OptionChecks;
import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsReader;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.engine.config.EngineConfigException;
import dev.loadfuse.engine.config.EngineConfigLoader;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.engine.prometheus.PrometheusTextParser;
import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.sidecar.api.cluster.ClusterOptions;
import dev.loadfuse.sidecar.api.cluster.ClusterSettings;
import dev.loadfuse.sidecar.gpu.PodResourcesOptions;
import dev.loadfuse.sidecar.kvevents.KvEventsOptions;
import dev.loadfuse.sidecar.metrics.SidecarMetrics;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * Everything a {@link SidecarVerticle} needs, in the Vert.x options style: {@code DEFAULT_*}
 * constants, a no-arg constructor with the defaults, a copy constructor, fluent setters that
 * validate ({@code httpPort: 70000 (expected: [0, 65535])}), and a JSON form ({@link #toJson()},
 * {@link #SidecarOptions(JsonObject)}) read strictly: an unknown key is {@code unknown key "x"
 * (known: endpointsFile, nodeName, ...)}. The JSON form is the sidecar's settings file, the {@code
 * -conf} of Vert.x's launcher and the deployment config of {@code
 * deployVerticle("dev.loadfuse.sidecar.SidecarVerticle", ...)}; {@code sidecar.jar run} reads it
 * from its settings file, {@code LOADFUSE_*} environment variables and flags ({@link #read}).
 *
 * <p><b>JSON keys</b> (flags are the keys in kebab case, environment variables {@code LOADFUSE_}
 * and the key in upper snake case):
 *
 * <pre>{@code
 * {
 *   "endpointsFile": "endpoints.yaml",      // local mode; else Kubernetes discovery of this node's pods:
 *   "nodeName": "node-a",                   //   env NODE_NAME
 *   "namespace": null,                      //   env POD_NAMESPACE; null = all namespaces
 *   "gpuProbe": "auto",                     // auto | nvml | mock | none | nvml-or-mock (mock when mockGpus is set)
 *   "mockGpus": "mock-gpus.yaml", "nvmlLibrary": null,
 *   "http": true, "httpHost": "0.0.0.0", "httpPort": 9400,   // GET /v1/load, /metrics, /healthz, /readyz
 *   "scrapeInterval": "50ms", "scrapeTimeout": "1s", "maxPageBytes": "16Mi",
 *   "scrapeFailureThreshold": 3,            // failed scrapes in a row before an endpoint is unhealthy
 *   "gpuSampleInterval": "100ms", "publishHeartbeat": "100ms",
 *   "podResourcesSocket": "/var/lib/kubelet/pod-resources/kubelet.sock",
 *   "cluster": false, "clusterMembers": [], "clusterHost": null, "clusterPort": 5701, "clusterService": null,
 *   "clusterBusPort": 0,                    // the event bus's TCP port (0: any free one)
 *   "clusterSecretFile": null,              // the cluster secret (required with cluster, unless clusterInsecure)
 *   "clusterInsecure": false,               // a cluster without a secret: unauthenticated, unencrypted
 *   "engines": {"engineLabelKey": ..., "defaultEngine": ..., "engineConfigs": [...]}
 * }
 * }</pre>
 *
 * <p>The {@code cluster*} keys are read by the programs that start a Vert.x ({@code sidecar.jar
 * run}); a verticle publishes on whatever event bus its Vert.x has. Not part of the JSON form,
 * for embedding code: a ready {@link #setDiscovery discovery}, a {@link #setGpuAttribution GPU
 * attribution}, a {@link #setCustomGpuProbe GPU probe} and the {@link #setMetrics metrics}.
 *
 * <p>Not thread-safe; a verticle copies its options.
 */
public final class SidecarOptions {

  public static final boolean DEFAULT_HTTP = true;
  public static final String DEFAULT_HTTP_HOST = "0.0.0.0";
  public static final int DEFAULT_HTTP_PORT = 9400;
  /** Time between the starts of two scrapes of one endpoint while it answers. */
  public static final Duration DEFAULT_SCRAPE_INTERVAL = Duration.ofMillis(50);
  public static final Duration DEFAULT_SCRAPE_TIMEOUT = Duration.ofSeconds(1);
  /** A larger metrics page is refused: the metrics parser's own limit. */
  public static final int DEFAULT_MAX_PAGE_BYTES = PrometheusTextParser.DEFAULT_MAX_PAGE_BYTES;
  /**
   * Scrapes in a row that must fail before an endpoint is reported unhealthy. Each failure shows
   * in {@code lastError} and {@code loadfuse_sidecar_scrape_errors_total} at once; one lost scrape
   * (an engine that closes its connection, a busy node) does not drain an endpoint.
   */
  public static final int DEFAULT_SCRAPE_FAILURE_THRESHOLD = 3;
  public static final int MAX_SCRAPE_FAILURE_THRESHOLD = 1000;
  public static final Duration DEFAULT_GPU_SAMPLE_INTERVAL = Duration.ofMillis(100);
  /** Unchanged vectors are re-published this often, so that consumers can tell fresh from stale. */
  public static final Duration DEFAULT_PUBLISH_HEARTBEAT = Duration.ofMillis(100);
  public static final GpuProbeKind DEFAULT_GPU_PROBE = GpuProbeKind.AUTO;
  /** The largest settings file read ({@code sidecar.jar run --config-file}, also when re-read for engines). */
  public static final long MAX_FILE_BYTES = 1 << 20;
  /** Reads the settings file: strict, at most {@link #MAX_FILE_BYTES}. */
  public static final SettingsReader FILE_READER = SettingsReader.strict().limit(MAX_FILE_BYTES, "a sidecar settings file");

  /** The JSON keys, in the order messages list them. */
  public static final List<String> KEYS = List.of(
      "endpointsFile", "nodeName", "namespace", "gpuProbe", "mockGpus", "nvmlLibrary", "http", "httpHost",
      "httpPort", "scrapeInterval", "scrapeTimeout", "maxPageBytes", "scrapeFailureThreshold", "gpuSampleInterval", "publishHeartbeat",
      "podResourcesSocket", "cluster", "clusterMembers", "clusterHost", "clusterPort", "clusterBusPort",
      "clusterService", "clusterSecretFile", "clusterInsecure", "engines", "kvEvents");

  /** The keys an environment variable or a flag can set (not the {@code engines} structure). */
  public static final List<String> SCALAR_KEYS = KEYS.stream().filter(k -> !k.equals("engines") && !k.equals("kvEvents")).toList();

  /**
   * Variables the Kubernetes downward API sets, read when the {@code LOADFUSE_*} one of the key is
   * not set: {@code NODE_NAME} for {@code nodeName}, {@code POD_NAMESPACE} for {@code namespace}.
   */
  public static final Map<String, String> ENVIRONMENT_FALLBACKS = Map.of("nodeName", "NODE_NAME", "namespace",
      "POD_NAMESPACE");

  private String endpointsFile;
  private String nodeName;
  private String namespace;
  private GpuProbeKind gpuProbe;
  private String mockGpus;
  private String nvmlLibrary;
  private boolean http = DEFAULT_HTTP;
  private String httpHost = DEFAULT_HTTP_HOST;
  private int httpPort = DEFAULT_HTTP_PORT;
  private Duration scrapeInterval = DEFAULT_SCRAPE_INTERVAL;
  private Duration scrapeTimeout = DEFAULT_SCRAPE_TIMEOUT;
  private int maxPageBytes = DEFAULT_MAX_PAGE_BYTES;
  private int scrapeFailureThreshold = DEFAULT_SCRAPE_FAILURE_THRESHOLD;
  private Duration gpuSampleInterval = DEFAULT_GPU_SAMPLE_INTERVAL;
  private Duration publishHeartbeat = DEFAULT_PUBLISH_HEARTBEAT;
  private String podResourcesSocket = PodResourcesOptions.DEFAULT_SOCKET.toString();
  private ClusterSettings clusterSettings = ClusterSettings.NONE;
  private JsonObject engines;
  private ModelServerMetricsConfig enginesConfig = ModelServerMetricsConfig.defaults();
  private KvEventsOptions kvEvents = KvEventsOptions.DISABLED;

  // Programmatic only.
  private EndpointDiscovery discovery;
  private UnaryOperator<EndpointSet> gpuAttribution;
  private GpuProbe customGpuProbe;
  private SidecarMetrics metrics;

  /** The defaults. */
  public SidecarOptions() {}

  /** A copy (the programmatic parts are shared, not copied). */
  public SidecarOptions(SidecarOptions other) {
    endpointsFile = other.endpointsFile;
    nodeName = other.nodeName;
    namespace = other.namespace;
    gpuProbe = other.gpuProbe;
    mockGpus = other.mockGpus;
    nvmlLibrary = other.nvmlLibrary;
    http = other.http;
    httpHost = other.httpHost;
    httpPort = other.httpPort;
    scrapeInterval = other.scrapeInterval;
    scrapeTimeout = other.scrapeTimeout;
    maxPageBytes = other.maxPageBytes;
    scrapeFailureThreshold = other.scrapeFailureThreshold;
    gpuSampleInterval = other.gpuSampleInterval;
    publishHeartbeat = other.publishHeartbeat;
    podResourcesSocket = other.podResourcesSocket;
    clusterSettings = other.clusterSettings;
    engines = other.engines == null ? null : other.engines.copy();
    enginesConfig = other.enginesConfig;
    kvEvents = other.kvEvents;
    discovery = other.discovery;
    gpuAttribution = other.gpuAttribution;
    customGpuProbe = other.customGpuProbe;
    metrics = other.metrics;
  }

  /**
   * Reads the JSON form strictly (absent keys keep their defaults).
   *
   * @throws SettingsException naming the key and the value, e.g. {@code httpPort: 70000
   *     (expected: [0, 65535])} or {@code unknown key "x" (known: ...)}
   * @throws EngineConfigException for an invalid {@code engines} section
   */
  public SidecarOptions(JsonObject json) {
    this(read(OptionChecks.json(json == null ? null : json.encode())));
  }

  /**
   * Reads settings from {@code node}: a JSON document, or the layers of a program (file &lt;
   * environment &lt; flags, {@link dev.loadfuse.common.settings.SettingsSources}), each problem
   * naming the layer it came from.
   */
  public static SidecarOptions read(SettingsNode node) {
    node.keys(KEYS);
    SidecarOptions o = new SidecarOptions();
    o.endpointsFile = node.string("endpointsFile", null);
    o.nodeName = node.string("nodeName", null);
    o.namespace = node.string("namespace", null);
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
    o.http = node.bool("http", DEFAULT_HTTP);
    o.httpHost = node.string("httpHost", DEFAULT_HTTP_HOST);
    o.httpPort = node.integer("httpPort", DEFAULT_HTTP_PORT, 0, 65535);
    o.scrapeInterval = node.duration("scrapeInterval", DEFAULT_SCRAPE_INTERVAL);
    o.scrapeTimeout = node.duration("scrapeTimeout", DEFAULT_SCRAPE_TIMEOUT);
    o.maxPageBytes = (int) node.bytes("maxPageBytes", DEFAULT_MAX_PAGE_BYTES, 1, Integer.MAX_VALUE);
    o.scrapeFailureThreshold = node.integer("scrapeFailureThreshold", DEFAULT_SCRAPE_FAILURE_THRESHOLD, 1,
        MAX_SCRAPE_FAILURE_THRESHOLD);
    o.gpuSampleInterval = node.duration("gpuSampleInterval", DEFAULT_GPU_SAMPLE_INTERVAL);
    o.publishHeartbeat = node.duration("publishHeartbeat", DEFAULT_PUBLISH_HEARTBEAT);
    if (o.publishHeartbeat.compareTo(Duration.ofMillis(1)) < 0) {
      throw node.get("publishHeartbeat").fail(Durations.format(o.publishHeartbeat) + " (expected: >= 1ms)");
    }
    o.podResourcesSocket = node.string("podResourcesSocket", o.podResourcesSocket);
    o.clusterSettings = ClusterSettings.read(node);
    SettingsNode engines = node.get("engines");
    if (!engines.isMissing()) {
      engines.requireMap("a map (engineLabelKey, defaultEngine, engineConfigs)");
      o.enginesConfig = engines(engines);
      o.engines = new JsonObject(engines.raw().toString());
    }
    SettingsNode kv = node.get("kvEvents");
    if (!kv.isMissing()) {
      try {
        o.kvEvents = KvEventsOptions.read(kv);
      } catch (IllegalArgumentException e) {
        throw kv.fail(e.getMessage());
      }
    }
    return o;
  }

  /** The {@code engines} section decoded, its errors naming the file and path it came from. */
  private static ModelServerMetricsConfig engines(SettingsNode section) {
    try {
      return EngineConfigLoader.fromParameters(section.raw(), section.path());
    } catch (EngineConfigException e) {
      throw section.source().isEmpty() ? e : e.withContext(section.source());
    }
  }

  /** The JSON form: every key whose value is set (nulls left out). */
  public JsonObject toJson() {
    JsonObject j = new JsonObject();
    putIf(j, "endpointsFile", endpointsFile);
    putIf(j, "nodeName", nodeName);
    putIf(j, "namespace", namespace);
    putIf(j, "gpuProbe", gpuProbe == null ? null : gpuProbe.id());
    putIf(j, "mockGpus", mockGpus);
    putIf(j, "nvmlLibrary", nvmlLibrary);
    j.put("http", http);
    j.put("httpHost", httpHost);
    j.put("httpPort", httpPort);
    j.put("scrapeInterval", Durations.format(scrapeInterval));
    j.put("scrapeTimeout", Durations.format(scrapeTimeout));
    j.put("maxPageBytes", ByteSizes.format(maxPageBytes));
    j.put("scrapeFailureThreshold", scrapeFailureThreshold);
    j.put("gpuSampleInterval", Durations.format(gpuSampleInterval));
    j.put("publishHeartbeat", Durations.format(publishHeartbeat));
    j.put("podResourcesSocket", podResourcesSocket);
    clusterSettings.putInto(j);
    if (engines != null) {
      j.put("engines", engines.copy());
    }
    if (kvEvents.enabled()) {
      j.put("kvEvents", kvEvents.toJson());
    }
    return j;
  }

  /**
   * Cross-field checks, for what must hold before a sidecar starts: a source of endpoints, a file
   * for {@code gpuProbe: mock}, and no cluster secret without a cluster.
   */
  public SidecarOptions validate() {
    clusterSettings.checkSecretNeedsCluster(clusterSettings.cluster());
    if (discovery == null && endpointsFile == null && nodeName == null) {
      throw new IllegalArgumentException("no endpoints source: give --endpoints-file for local use, or set NODE_NAME"
          + " (nodeName) to discover this node's pods in Kubernetes");
    }
    if (customGpuProbe == null && getGpuProbe() == GpuProbeKind.MOCK && mockGpus == null) {
      throw new IllegalArgumentException("gpuProbe: mock needs mockGpus (a mock GPU file)");
    }
    return this;
  }

  // ---------------------------------------------------------------- getters and setters

  /** The endpoints file (local mode); null for Kubernetes discovery. */
  public String getEndpointsFile() {
    return endpointsFile;
  }

  public SidecarOptions setEndpointsFile(String endpointsFile) {
    this.endpointsFile = blankToNull("endpointsFile", endpointsFile);
    return this;
  }

  /** This node, for Kubernetes discovery (env {@code NODE_NAME}). */
  public String getNodeName() {
    return nodeName;
  }

  public SidecarOptions setNodeName(String nodeName) {
    this.nodeName = blankToNull("nodeName", nodeName);
    return this;
  }

  /** Kubernetes discovery in this namespace only; null for all. */
  public String getNamespace() {
    return namespace;
  }

  public SidecarOptions setNamespace(String namespace) {
    this.namespace = blankToNull("namespace", namespace);
    return this;
  }

  /** The GPU probe: as set, else {@code mock} when {@link #getMockGpus()} is set, else {@link #DEFAULT_GPU_PROBE}. */
  public GpuProbeKind getGpuProbe() {
    return gpuProbe != null ? gpuProbe : mockGpus != null ? GpuProbeKind.MOCK : DEFAULT_GPU_PROBE;
  }

  /** Whether {@link #setGpuProbe} was called (the JSON names it). */
  public boolean isGpuProbeSet() {
    return gpuProbe != null;
  }

  public SidecarOptions setGpuProbe(GpuProbeKind gpuProbe) {
    this.gpuProbe = gpuProbe;
    return this;
  }

  public String getMockGpus() {
    return mockGpus;
  }

  public SidecarOptions setMockGpus(String mockGpus) {
    this.mockGpus = blankToNull("mockGpus", mockGpus);
    return this;
  }

  /** The NVML library file; null for {@code libnvidia-ml.so.1} from the system library path. */
  public String getNvmlLibrary() {
    return nvmlLibrary;
  }

  public SidecarOptions setNvmlLibrary(String nvmlLibrary) {
    this.nvmlLibrary = blankToNull("nvmlLibrary", nvmlLibrary);
    return this;
  }

  /** Whether the verticle serves its HTTP API ({@code /v1/load}, {@code /metrics}, {@code /healthz}, {@code /readyz}). */
  public boolean isHttp() {
    return http;
  }

  public SidecarOptions setHttp(boolean http) {
    this.http = http;
    return this;
  }

  public String getHttpHost() {
    return httpHost;
  }

  public SidecarOptions setHttpHost(String httpHost) {
    this.httpHost = OptionChecks.notBlank("httpHost", httpHost, "an address to bind");
    return this;
  }

  /** The HTTP port; 0 for any free one. */
  public int getHttpPort() {
    return httpPort;
  }

  public SidecarOptions setHttpPort(int httpPort) {
    this.httpPort = port("httpPort", httpPort);
    return this;
  }

  public Duration getScrapeInterval() {
    return scrapeInterval;
  }

  public SidecarOptions setScrapeInterval(Duration scrapeInterval) {
    this.scrapeInterval = positive("scrapeInterval", scrapeInterval);
    return this;
  }

  public Duration getScrapeTimeout() {
    return scrapeTimeout;
  }

  public SidecarOptions setScrapeTimeout(Duration scrapeTimeout) {
    this.scrapeTimeout = positive("scrapeTimeout", scrapeTimeout);
    return this;
  }

  public int getMaxPageBytes() {
    return maxPageBytes;
  }

  public SidecarOptions setMaxPageBytes(int maxPageBytes) {
    this.maxPageBytes = OptionChecks.atLeast("maxPageBytes", maxPageBytes, 1);
    return this;
  }

  /** Failed scrapes in a row before an endpoint is reported unhealthy ({@link #DEFAULT_SCRAPE_FAILURE_THRESHOLD}). */
  public int getScrapeFailureThreshold() {
    return scrapeFailureThreshold;
  }

  public SidecarOptions setScrapeFailureThreshold(int scrapeFailureThreshold) {
    this.scrapeFailureThreshold = OptionChecks.atLeast("scrapeFailureThreshold", scrapeFailureThreshold, 1);
    if (scrapeFailureThreshold > MAX_SCRAPE_FAILURE_THRESHOLD) {
      throw new IllegalArgumentException("scrapeFailureThreshold: " + scrapeFailureThreshold + " (expected: [1, "
          + MAX_SCRAPE_FAILURE_THRESHOLD + "])");
    }
    return this;
  }

  public Duration getGpuSampleInterval() {
    return gpuSampleInterval;
  }

  public SidecarOptions setGpuSampleInterval(Duration gpuSampleInterval) {
    this.gpuSampleInterval = positive("gpuSampleInterval", gpuSampleInterval);
    return this;
  }

  /** KV-cache event subscriptions (precise prefix-cache routing); off by default. */
  public KvEventsOptions getKvEvents() {
    return kvEvents;
  }

  public SidecarOptions setKvEvents(KvEventsOptions kvEvents) {
    this.kvEvents = java.util.Objects.requireNonNull(kvEvents, "kvEvents");
    return this;
  }

  public Duration getPublishHeartbeat() {
    return publishHeartbeat;
  }

  public SidecarOptions setPublishHeartbeat(Duration publishHeartbeat) {
    this.publishHeartbeat = OptionChecks.atLeast("publishHeartbeat", publishHeartbeat, Duration.ofMillis(1));
    return this;
  }

  /** The kubelet's PodResources socket (Kubernetes mode: which GPUs each pod holds). */
  public String getPodResourcesSocket() {
    return podResourcesSocket;
  }

  public SidecarOptions setPodResourcesSocket(String podResourcesSocket) {
    this.podResourcesSocket = OptionChecks.notBlank("podResourcesSocket", podResourcesSocket, "a socket path");
    return this;
  }

  /** The {@code cluster*} settings (immutable). */
  public ClusterSettings getClusterSettings() {
    return clusterSettings;
  }

  public SidecarOptions setClusterSettings(ClusterSettings clusterSettings) {
    this.clusterSettings = java.util.Objects.requireNonNull(clusterSettings, "clusterSettings");
    return this;
  }

  /** Whether {@code sidecar.jar run} joins the clustered bus ({@code cluster}, implied by {@code clusterMembers}). */
  public boolean isCluster() {
    return clusterSettings.cluster();
  }

  /**
   * How this sidecar joins the clustered bus, from the {@code cluster*} settings (the Service in
   * {@code namespace}); reads the secret file.
   *
   * @throws IllegalArgumentException naming the secret file when it cannot be used, or saying
   *     that a secret (or {@code clusterInsecure}) is needed
   */
  public ClusterOptions clusterOptions() {
    return clusterSettings.clusterOptions(namespace);
  }

  /** The {@code engines} section as given; null when not given. */
  public JsonObject getEngines() {
    return engines == null ? null : engines.copy();
  }

  /**
   * Sets the {@code engines} section (the {@code model-server-protocol-metrics} parameters).
   *
   * @throws EngineConfigException naming the path, e.g. {@code engines.engineConfigs[0]: unknown
   *     key "x" (known: ...)}
   */
  public SidecarOptions setEngines(JsonObject engines) {
    if (engines == null) {
      this.engines = null;
      this.enginesConfig = ModelServerMetricsConfig.defaults();
      return this;
    }
    this.enginesConfig = EngineConfigLoader.fromParameters(OptionChecks.json(engines.encode()).raw(), "engines");
    this.engines = engines.copy();
    return this;
  }

  /** The engine mappings in force: the decoded {@code engines} section, or the built-in ones. */
  public ModelServerMetricsConfig getEnginesConfig() {
    return enginesConfig;
  }

  /** Engine mappings already decoded (not part of the JSON form). */
  public SidecarOptions setEnginesConfig(ModelServerMetricsConfig enginesConfig) {
    this.enginesConfig = Objects.requireNonNull(enginesConfig, "enginesConfig");
    this.engines = null;
    return this;
  }

  /** A ready discovery, used instead of {@code endpointsFile}/{@code nodeName}; the verticle closes it. */
  public EndpointDiscovery getDiscovery() {
    return discovery;
  }

  public SidecarOptions setDiscovery(EndpointDiscovery discovery) {
    this.discovery = discovery;
    return this;
  }

  /** Gives endpoints their GPUs (Kubernetes: from the kubelet); null for "as discovered". */
  public UnaryOperator<EndpointSet> getGpuAttribution() {
    return gpuAttribution;
  }

  public SidecarOptions setGpuAttribution(UnaryOperator<EndpointSet> gpuAttribution) {
    this.gpuAttribution = gpuAttribution;
    return this;
  }

  /** A probe already opened (a simulator's, a test's), used instead of {@link #getGpuProbe()}; the verticle closes it. */
  public GpuProbe getCustomGpuProbe() {
    return customGpuProbe;
  }

  public SidecarOptions setCustomGpuProbe(GpuProbe customGpuProbe) {
    this.customGpuProbe = customGpuProbe;
    return this;
  }

  /** Where the sidecar's metrics go (e.g. the picker's registry); null for its own. */
  public SidecarMetrics getMetrics() {
    return metrics;
  }

  public SidecarOptions setMetrics(SidecarMetrics metrics) {
    this.metrics = metrics;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SidecarOptions other && toJson().equals(other.toJson()) && discovery == other.discovery
        && gpuAttribution == other.gpuAttribution && customGpuProbe == other.customGpuProbe && metrics == other.metrics
        // Decoded from equal JSON, or the same object given.
        && (engines != null || enginesConfig == other.enginesConfig);
  }

  @Override
  public int hashCode() {
    return toJson().hashCode();
  }

  @Override
  public String toString() {
    return "SidecarOptions" + toJson().encode();
  }

  // ---------------------------------------------------------------- helpers

  private static void putIf(JsonObject j, String key, Object value) {
    if (value != null) {
      j.put(key, value);
    }
  }

  private static String blankToNull(String name, String value) {
    if (value != null && value.isBlank()) {
      throw new IllegalArgumentException(name + ": " + SettingsNode.quote(value) + " (expected: not blank, or null)");
    }
    return value;
  }

  private static int port(String name, int port) {
    return OptionChecks.port(name, port);
  }

  private static Duration positive(String name, Duration d) {
    return OptionChecks.positive(name, d);
  }
}
