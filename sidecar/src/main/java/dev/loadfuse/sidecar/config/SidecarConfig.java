package dev.loadfuse.sidecar.config;

import dev.loadfuse.common.settings.Durations;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The sidecar's settings, merged from the config file, {@code LOADFUSE_*} environment variables
 * and command-line flags (flags win). Read strictly: an unknown key or a bad value is an error
 * naming the key.
 *
 * <p>{@code engines} holds the {@code model-server-protocol-metrics} parameters ({@code
 * engineLabelKey}, {@code defaultEngine}, {@code engineConfigs}); it is the only part that is
 * re-read while running.
 */
public record SidecarConfig(
    String endpointsFile,
    String nodeName,
    String namespace,
    GpuProbeKind gpuProbe,
    String mockGpusFile,
    String nvmlLibrary,
    String httpHost,
    int httpPort,
    Duration scrapeInterval,
    Duration scrapeTimeout,
    int maxPageBytes,
    Duration gpuSampleInterval,
    Duration publishHeartbeat,
    String podResourcesSocket,
    boolean cluster,
    List<String> clusterMembers,
    String clusterHost,
    int clusterPort,
    String clusterService,
    JsonObject engines) {

  /** Which GPU probe to use; {@code AUTO} = NVML if it loads, else none (with one log line). */
  public enum GpuProbeKind {
    AUTO,
    NVML,
    MOCK,
    NONE;

    static GpuProbeKind parse(String key, String s) {
      try {
        return valueOf(s.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            key + ": \"" + s + "\" (expected one of: auto, nvml, mock, none)");
      }
    }
  }

  public static final int DEFAULT_HTTP_PORT = 9400;
  public static final String DEFAULT_HTTP_HOST = "0.0.0.0";
  public static final Duration DEFAULT_SCRAPE_INTERVAL = Duration.ofMillis(50);
  public static final Duration DEFAULT_SCRAPE_TIMEOUT = Duration.ofSeconds(1);
  public static final int DEFAULT_MAX_PAGE_BYTES = 16 * 1024 * 1024;
  public static final Duration DEFAULT_GPU_SAMPLE_INTERVAL = Duration.ofMillis(100);
  /** Unchanged vectors are re-published this often, so that consumers can tell fresh from stale. */
  public static final Duration DEFAULT_PUBLISH_HEARTBEAT = Duration.ofMillis(100);
  public static final String DEFAULT_POD_RESOURCES_SOCKET = "/var/lib/kubelet/pod-resources/kubelet.sock";
  public static final int DEFAULT_CLUSTER_PORT = 5701;

  private static final Set<String> KEYS = Set.of(
      "endpointsFile", "nodeName", "namespace", "gpuProbe", "mockGpus", "nvmlLibrary", "httpHost",
      "httpPort", "scrapeInterval", "scrapeTimeout", "maxPageBytes", "gpuSampleInterval",
      "publishHeartbeat", "podResourcesSocket", "cluster", "clusterMembers", "clusterHost",
      "clusterPort", "clusterService", "engines");

  public SidecarConfig {
    clusterMembers = List.copyOf(clusterMembers);
    engines = engines == null ? new JsonObject() : engines.copy();
    if (gpuProbe == GpuProbeKind.MOCK && mockGpusFile == null) {
      throw new IllegalArgumentException("gpuProbe: mock needs mockGpus (a mock GPU file)");
    }
    if (endpointsFile == null && (nodeName == null || nodeName.isBlank())) {
      throw new IllegalArgumentException(
          "no endpoints source: give --endpoints-file for local use, or set NODE_NAME (nodeName) to discover this node's pods in Kubernetes");
    }
    if (publishHeartbeat.compareTo(Duration.ofMillis(1)) < 0) {
      throw new IllegalArgumentException("publishHeartbeat: " + publishHeartbeat + " (expected: >= 1ms)");
    }
  }

  /** Flat JSON keys; also what {@code LOADFUSE_<UPPER_SNAKE>} variables and flags map to. */
  public static Set<String> keys() {
    return KEYS;
  }

  /**
   * Reads the merged configuration.
   *
   * @throws IllegalArgumentException naming the key and the value when anything is wrong
   */
  public static SidecarConfig fromJson(JsonObject json) {
    for (String key : json.fieldNames()) {
      if (!KEYS.contains(key)) {
        throw new IllegalArgumentException(
            "unknown configuration key \"" + key + "\" (known: " + String.join(", ", KEYS.stream().sorted().toList()) + ")");
      }
    }
    String mock = string(json, "mockGpus", null);
    String probeText = string(json, "gpuProbe", null);
    GpuProbeKind probe = probeText != null
        ? GpuProbeKind.parse("gpuProbe", probeText)
        : (mock != null ? GpuProbeKind.MOCK : GpuProbeKind.AUTO);
    return new SidecarConfig(
        string(json, "endpointsFile", null),
        string(json, "nodeName", null),
        string(json, "namespace", null),
        probe,
        mock,
        string(json, "nvmlLibrary", null),
        string(json, "httpHost", DEFAULT_HTTP_HOST),
        port(json, "httpPort", DEFAULT_HTTP_PORT, true),
        duration(json, "scrapeInterval", DEFAULT_SCRAPE_INTERVAL),
        duration(json, "scrapeTimeout", DEFAULT_SCRAPE_TIMEOUT),
        positiveInt(json, "maxPageBytes", DEFAULT_MAX_PAGE_BYTES),
        duration(json, "gpuSampleInterval", DEFAULT_GPU_SAMPLE_INTERVAL),
        duration(json, "publishHeartbeat", DEFAULT_PUBLISH_HEARTBEAT),
        string(json, "podResourcesSocket", DEFAULT_POD_RESOURCES_SOCKET),
        bool(json, "cluster", false),
        members(json),
        string(json, "clusterHost", null),
        port(json, "clusterPort", DEFAULT_CLUSTER_PORT, true),
        string(json, "clusterService", null),
        engines(json));
  }

  private static String string(JsonObject json, String key, String def) {
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof String s) {
      return s.isBlank() ? def : s;
    }
    if (v instanceof Number || v instanceof Boolean) {
      return v.toString();
    }
    throw new IllegalArgumentException(key + ": expected a string, got " + describe(v));
  }

  private static int port(JsonObject json, String key, int def, boolean zeroAllowed) {
    int p = intValue(json, key, def);
    if (p < (zeroAllowed ? 0 : 1) || p > 65535) {
      throw new IllegalArgumentException(key + ": " + p + " (expected: [" + (zeroAllowed ? 0 : 1) + ", 65535])");
    }
    return p;
  }

  private static int positiveInt(JsonObject json, String key, int def) {
    int v = intValue(json, key, def);
    if (v < 1) {
      throw new IllegalArgumentException(key + ": " + v + " (expected: > 0)");
    }
    return v;
  }

  private static int intValue(JsonObject json, String key, int def) {
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.intValue();
    }
    if (v instanceof String s) {
      try {
        return Integer.parseInt(s.trim());
      } catch (NumberFormatException e) {
        // fall through to the error below
      }
    }
    throw new IllegalArgumentException(key + ": expected an integer, got " + describe(v));
  }

  private static boolean bool(JsonObject json, String key, boolean def) {
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    if (v instanceof String s && (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false"))) {
      return Boolean.parseBoolean(s);
    }
    throw new IllegalArgumentException(key + ": expected true or false, got " + describe(v));
  }

  private static Duration duration(JsonObject json, String key, Duration def) {
    Object v = json.getValue(key);
    if (v == null) {
      return def;
    }
    Duration d;
    if (v instanceof Number n) {
      d = Duration.ofMillis(n.longValue()); // bare numbers are milliseconds
    } else if (v instanceof String s) {
      d = Durations.parse(key, s);
    } else {
      throw new IllegalArgumentException(key + ": expected a duration such as 50ms, got " + describe(v));
    }
    if (d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(key + ": " + Durations.format(d) + " (expected: > 0)");
    }
    return d;
  }

  private static List<String> members(JsonObject json) {
    Object v = json.getValue("clusterMembers");
    List<String> out = new ArrayList<>();
    if (v == null) {
      return out;
    }
    if (v instanceof String s) {
      for (String m : s.split(",")) {
        if (!m.isBlank()) {
          out.add(m.trim());
        }
      }
      return out;
    }
    if (v instanceof JsonArray a) {
      for (int i = 0; i < a.size(); i++) {
        if (!(a.getValue(i) instanceof String s)) {
          throw new IllegalArgumentException("clusterMembers[" + i + "]: expected host:port, got " + describe(a.getValue(i)));
        }
        out.add(s.trim());
      }
      return out;
    }
    throw new IllegalArgumentException("clusterMembers: expected a list of host:port, got " + describe(v));
  }

  private static JsonObject engines(JsonObject json) {
    Object v = json.getValue("engines");
    if (v == null) {
      return new JsonObject();
    }
    if (v instanceof JsonObject o) {
      return o;
    }
    if (v instanceof Map<?, ?> m) {
      @SuppressWarnings("unchecked")
      Map<String, Object> map = (Map<String, Object>) m;
      return new JsonObject(map);
    }
    throw new IllegalArgumentException("engines: expected a mapping (engineLabelKey, defaultEngine, engineConfigs), got " + describe(v));
  }

  private static String describe(Object v) {
    if (v instanceof JsonObject) {
      return "a mapping";
    }
    if (v instanceof JsonArray) {
      return "a list";
    }
    return "\"" + v + "\"";
  }
}
