package dev.loadfuse.discovery;

import dev.loadfuse.common.errors.Redact;
import java.net.Inet6Address;
import java.net.URI;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One model-server endpoint on this node: where to send requests and where to scrape metrics,
 * with the pool it serves, its pod's labels and the GPUs it runs on.
 *
 * <p>Immutable and validated: every rejected value is named in the message, e.g. {@code port:
 * 70000 (expected: [1, 65535])}. Build one with {@link #builder(String, String, int, PoolRef)},
 * which applies the defaults ({@code metricsPath = /metrics}, {@code metricsPort = port}).
 *
 * @param name unique within its pool: the entry name of an endpoints file, the pod name in
 *     Kubernetes, or {@code <pod>-rank-<i>} for a pool with several target ports
 * @param address an IPv4 literal, an IPv6 literal (stored without brackets) or a hostname
 * @param port the inference port, in [1, 65535]
 * @param pool the pool this endpoint serves
 * @param labels the pod's labels (local mode: the entry's {@code labels}); immutable
 * @param poolAnnotations the pool's annotations, e.g. {@code
 *     inference.networking.x-k8s.io/model-server-runtime}; immutable
 * @param metricsPath the path of the Prometheus metrics page, starting with {@code /}
 * @param metricsPort the port of the metrics page, in [1, 65535]
 * @param gpus GPU or MIG UUIDs ({@code GPU-…}, {@code MIG-…}) this endpoint runs on, without
 *     duplicates; empty when unknown
 * @param pod the Kubernetes pod behind this endpoint, or {@code null} in local mode
 */
public record Endpoint(
    String name,
    String address,
    int port,
    PoolRef pool,
    Map<String, String> labels,
    Map<String, String> poolAnnotations,
    String metricsPath,
    int metricsPort,
    List<String> gpus,
    PodRef pod) {

  public static final String DEFAULT_METRICS_PATH = "/metrics";

  // RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens.
  private static final Pattern HOSTNAME =
      Pattern.compile(
          "(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
              + "(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\\.?");
  private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");

  public Endpoint {
    name = Checks.notBlank("name", name);
    if (Checks.hasWhitespaceOrControl(name)) {
      throw new IllegalArgumentException(
          "name: " + Checks.quote(name) + " (expected: no whitespace)");
    }
    address = checkAddress(address);
    Checks.port("port", port);
    Objects.requireNonNull(pool, "pool");
    labels = copyStringMap("labels", labels);
    poolAnnotations = copyStringMap("poolAnnotations", poolAnnotations);
    metricsPath = checkMetricsPath(metricsPath);
    Checks.port("metricsPort", metricsPort);
    gpus = checkGpus(gpus);
  }

  /** A builder with the required fields set and the optional ones at their defaults. */
  public static Builder builder(String name, String address, int port, PoolRef pool) {
    return new Builder(name, address, port, pool);
  }

  /** A builder initialised from this endpoint. */
  public Builder toBuilder() {
    return new Builder(name, address, port, pool)
        .labels(labels)
        .poolAnnotations(poolAnnotations)
        .metricsPath(metricsPath)
        .metricsPort(metricsPort)
        .gpus(gpus)
        .pod(pod);
  }

  /** A copy with {@code gpus} replaced; returns {@code this} when they are equal. */
  public Endpoint withGpus(List<String> gpus) {
    List<String> checked = checkGpus(gpus);
    if (checked.equals(this.gpus)) {
      return this;
    }
    return new Endpoint(
        name, address, port, pool, labels, poolAnnotations, metricsPath, metricsPort, checked, pod);
  }

  /** {@code host:port} for a URL authority: IPv6 literals in brackets. */
  public String authority() {
    return host() + ":" + port;
  }

  /** The URL of the metrics page, e.g. {@code http://10.0.0.7:8000/metrics}. */
  public URI metricsUri() {
    return URI.create("http://" + host() + ":" + metricsPort + metricsPath);
  }

  private String host() {
    return address.indexOf(':') >= 0 ? "[" + address + "]" : address;
  }

  private static String checkAddress(String address) {
    if (address == null || address.isBlank()) {
      throw new IllegalArgumentException(
          "address: " + Checks.quote(address) + " (expected: an IP address or a hostname)");
    }
    String bare =
        address.length() > 2 && address.startsWith("[") && address.endsWith("]")
            ? address.substring(1, address.length() - 1)
            : address;
    // Two colons or more and no slash: meant as IPv6. One colon (host:port) or a URL: not.
    if (bare.indexOf('/') < 0 && bare.indexOf(':') != bare.lastIndexOf(':')) {
      try {
        Inet6Address.ofLiteral(bare);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "address: " + Checks.quote(address) + " (expected: a valid IPv6 literal)");
      }
      return bare;
    }
    if (DIGITS_AND_DOTS.matcher(bare).matches()) {
      if (!isDottedQuad(bare)) {
        throw new IllegalArgumentException(
            "address: " + Checks.quote(address) + " (expected: a valid IPv4 literal a.b.c.d)");
      }
      return bare;
    }
    if (!HOSTNAME.matcher(bare).matches()) {
      throw new IllegalArgumentException(
          "address: "
              + Checks.quote(address)
              + " (expected: an IP address or a hostname, without scheme, port or path)");
    }
    return bare;
  }

  private static boolean isDottedQuad(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  private static String checkMetricsPath(String path) {
    if (path == null || !path.startsWith("/") || Checks.hasWhitespaceOrControl(path)) {
      throw new IllegalArgumentException(
          "metricsPath: " + Redact.text(Checks.quote(path)) + " (expected: a path starting with /)");
    }
    try {
      URI.create("http://h" + path);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "metricsPath: " + Redact.text(Checks.quote(path)) + " (expected: a valid URL path)");
    }
    return path;
  }

  private static List<String> checkGpus(List<String> gpus) {
    if (gpus == null || gpus.isEmpty()) {
      return List.of();
    }
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < gpus.size(); i++) {
      String id = gpus.get(i);
      if (id == null || id.isBlank() || Checks.hasWhitespaceOrControl(id)) {
        throw new IllegalArgumentException(
            "gpus[" + i + "]: " + Checks.quote(id) + " (expected: a GPU or MIG UUID)");
      }
      if (!seen.add(id)) {
        throw new IllegalArgumentException("gpus[" + i + "]: duplicate " + Checks.quote(id));
      }
    }
    return List.copyOf(gpus);
  }

  private static Map<String, String> copyStringMap(String field, Map<String, String> map) {
    if (map == null || map.isEmpty()) {
      return Map.of();
    }
    for (Map.Entry<String, String> e : map.entrySet()) {
      if (e.getKey() == null || e.getKey().isBlank()) {
        throw new IllegalArgumentException(
            field + ": key " + Checks.quote(e.getKey()) + " (expected: not blank)");
      }
      if (e.getValue() == null) {
        throw new IllegalArgumentException(
            field + "." + e.getKey() + ": null (expected: a string, possibly empty)");
      }
    }
    return Map.copyOf(map);
  }

  /** Builds an {@link Endpoint}; {@link #build()} validates. Not thread-safe. */
  public static final class Builder {
    private final String name;
    private final String address;
    private final int port;
    private final PoolRef pool;
    private Map<String, String> labels = Map.of();
    private Map<String, String> poolAnnotations = Map.of();
    private String metricsPath = DEFAULT_METRICS_PATH;
    private Integer metricsPort;
    private List<String> gpus = List.of();
    private PodRef pod;

    private Builder(String name, String address, int port, PoolRef pool) {
      this.name = name;
      this.address = address;
      this.port = port;
      this.pool = pool;
    }

    public Builder labels(Map<String, String> labels) {
      this.labels = labels == null ? Map.of() : new LinkedHashMap<>(labels);
      return this;
    }

    public Builder poolAnnotations(Map<String, String> poolAnnotations) {
      this.poolAnnotations = poolAnnotations == null ? Map.of() : new LinkedHashMap<>(poolAnnotations);
      return this;
    }

    /** Default {@value Endpoint#DEFAULT_METRICS_PATH}; {@code null} restores the default. */
    public Builder metricsPath(String metricsPath) {
      this.metricsPath = metricsPath == null ? DEFAULT_METRICS_PATH : metricsPath;
      return this;
    }

    /** Default: the endpoint's {@code port}; {@code null} restores the default. */
    public Builder metricsPort(Integer metricsPort) {
      this.metricsPort = metricsPort;
      return this;
    }

    public Builder gpus(List<String> gpus) {
      this.gpus = gpus == null ? List.of() : gpus;
      return this;
    }

    public Builder pod(PodRef pod) {
      this.pod = pod;
      return this;
    }

    /**
     * @throws IllegalArgumentException naming the first invalid field and its value
     */
    public Endpoint build() {
      return new Endpoint(
          name,
          address,
          port,
          pool,
          labels,
          poolAnnotations,
          metricsPath,
          metricsPort == null ? port : metricsPort,
          gpus,
          pod);
    }
  }
}
