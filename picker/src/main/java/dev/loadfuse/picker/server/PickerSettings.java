package dev.loadfuse.picker.server;

import dev.loadfuse.picker.extproc.ExtProcContext;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions;
import dev.loadfuse.picker.routing.RoutingObjects;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Everything {@link PickerServer} needs, validated. Ports may be 0 (any free port).
 *
 * @param host address every server binds
 * @param grpcPort ext_proc port ({@code --grpc-port}, 9002)
 * @param grpcHealthPort gRPC health port ({@code --grpc-health-port}, 9003)
 * @param metricsPort Prometheus and {@code /v1/endpoints} ({@code --metrics-port}, 9090)
 * @param config the EndpointPickerConfig
 * @param routing model rewrites and objectives ({@code --objects-file})
 * @param endpointsFile the endpoints ({@code --endpoints-file}); null in vectors mode
 * @param remoteSidecars vectors come from remote sidecars on a clustered bus; no in-process sidecar
 * @param poolName the pool's name in metrics; null for the endpoints file's pool
 * @param refreshMetricsInterval scrape interval of the in-process sidecar (50 ms)
 * @param metricsStalenessThreshold engine samples older than this count as absent (2 s)
 * @param secureServing TLS on the ext_proc port
 * @param certPath directory with {@code tls.crt}/{@code tls.key}; null for a self-signed one
 * @param certReloadInterval how often {@code certPath} is checked for changes
 * @param maxBodyBytes request body limit (413 beyond)
 * @param extProcServers HTTP servers (event loops) sharing the ext_proc port
 * @param kubernetes endpoints and routing objects from the Kubernetes API ({@code --pool-name} or
 *     {@code --endpoint-selector}); null otherwise
 */
public record PickerSettings(
    String host,
    int grpcPort,
    int grpcHealthPort,
    int metricsPort,
    PickerConfig config,
    RoutingObjects routing,
    Path endpointsFile,
    boolean remoteSidecars,
    String poolName,
    Duration refreshMetricsInterval,
    Duration metricsStalenessThreshold,
    boolean secureServing,
    Path certPath,
    Duration certReloadInterval,
    int maxBodyBytes,
    int extProcServers,
    KubernetesDiscoveryOptions kubernetes) {

  public static final int DEFAULT_GRPC_PORT = 9002;
  public static final int DEFAULT_GRPC_HEALTH_PORT = 9003;
  public static final int DEFAULT_METRICS_PORT = 9090;
  public static final Duration DEFAULT_REFRESH_METRICS_INTERVAL = Duration.ofMillis(50);
  public static final Duration DEFAULT_METRICS_STALENESS_THRESHOLD = Duration.ofSeconds(2);
  public static final Duration DEFAULT_CERT_RELOAD_INTERVAL = Duration.ofSeconds(5);

  public PickerSettings {
    host = host == null ? "0.0.0.0" : host;
    port("grpcPort", grpcPort);
    port("grpcHealthPort", grpcHealthPort);
    port("metricsPort", metricsPort);
    Objects.requireNonNull(config, "config");
    routing = routing == null ? RoutingObjects.NONE : routing;
    if (endpointsFile == null && kubernetes == null && !remoteSidecars) {
      throw new IllegalArgumentException("no endpoints: give --endpoints-file, --pool-name or --endpoint-selector"
          + " (Kubernetes), or --cluster to take endpoints from remote sidecars");
    }
    if (endpointsFile != null && kubernetes != null) {
      throw new IllegalArgumentException("endpointsFile and kubernetes: give one source of endpoints, not both");
    }
    refreshMetricsInterval = positive("refreshMetricsInterval", refreshMetricsInterval, DEFAULT_REFRESH_METRICS_INTERVAL);
    metricsStalenessThreshold = positive("metricsStalenessThreshold", metricsStalenessThreshold,
        DEFAULT_METRICS_STALENESS_THRESHOLD);
    certReloadInterval = positive("certReloadInterval", certReloadInterval, DEFAULT_CERT_RELOAD_INTERVAL);
    if (maxBodyBytes == 0) {
      maxBodyBytes = ExtProcContext.DEFAULT_MAX_BODY_BYTES;
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: >= 1)");
    }
    if (extProcServers < 1) {
      throw new IllegalArgumentException("extProcServers: " + extProcServers + " (expected: >= 1)");
    }
  }

  /** Without Kubernetes (the settings of local and cluster mode). */
  public PickerSettings(String host, int grpcPort, int grpcHealthPort, int metricsPort, PickerConfig config,
      RoutingObjects routing, Path endpointsFile, boolean remoteSidecars, String poolName,
      Duration refreshMetricsInterval, Duration metricsStalenessThreshold, boolean secureServing, Path certPath,
      Duration certReloadInterval, int maxBodyBytes, int extProcServers) {
    this(host, grpcPort, grpcHealthPort, metricsPort, config, routing, endpointsFile, remoteSidecars, poolName,
        refreshMetricsInterval, metricsStalenessThreshold, secureServing, certPath, certReloadInterval, maxBodyBytes,
        extProcServers, null);
  }

  /** Kubernetes mode with an in-process sidecar, the default ports, TLS off and one ext_proc server. */
  public static PickerSettings kubernetes(PickerConfig config, KubernetesDiscoveryOptions kubernetes) {
    return new PickerSettings(null, DEFAULT_GRPC_PORT, DEFAULT_GRPC_HEALTH_PORT, DEFAULT_METRICS_PORT, config, null,
        null, false, null, null, null, false, null, null, 0, 1, kubernetes);
  }

  /** Local mode with an endpoints file, the default ports, TLS off and one ext_proc server. */
  public static PickerSettings local(PickerConfig config, Path endpointsFile) {
    return new PickerSettings(null, DEFAULT_GRPC_PORT, DEFAULT_GRPC_HEALTH_PORT, DEFAULT_METRICS_PORT, config, null,
        endpointsFile, false, null, null, null, false, null, null, 0, 1);
  }

  /** These settings with every port 0 (tests). */
  public PickerSettings withEphemeralPorts() {
    return new PickerSettings("127.0.0.1", 0, 0, 0, config, routing, endpointsFile, remoteSidecars, poolName,
        refreshMetricsInterval, metricsStalenessThreshold, secureServing, certPath, certReloadInterval, maxBodyBytes,
        extProcServers, kubernetes);
  }

  public PickerSettings withRouting(RoutingObjects newRouting) {
    return new PickerSettings(host, grpcPort, grpcHealthPort, metricsPort, config, newRouting, endpointsFile,
        remoteSidecars, poolName, refreshMetricsInterval, metricsStalenessThreshold, secureServing, certPath,
        certReloadInterval, maxBodyBytes, extProcServers, kubernetes);
  }

  public PickerSettings withTls(boolean secure, Path newCertPath, Duration reloadInterval) {
    return new PickerSettings(host, grpcPort, grpcHealthPort, metricsPort, config, routing, endpointsFile,
        remoteSidecars, poolName, refreshMetricsInterval, metricsStalenessThreshold, secure, newCertPath,
        reloadInterval, maxBodyBytes, extProcServers, kubernetes);
  }

  public PickerSettings withMaxBodyBytes(int bytes) {
    return new PickerSettings(host, grpcPort, grpcHealthPort, metricsPort, config, routing, endpointsFile,
        remoteSidecars, poolName, refreshMetricsInterval, metricsStalenessThreshold, secureServing, certPath,
        certReloadInterval, bytes, extProcServers, kubernetes);
  }

  public PickerSettings withRefreshMetricsInterval(Duration interval) {
    return new PickerSettings(host, grpcPort, grpcHealthPort, metricsPort, config, routing, endpointsFile,
        remoteSidecars, poolName, interval, metricsStalenessThreshold, secureServing, certPath,
        certReloadInterval, maxBodyBytes, extProcServers, kubernetes);
  }

  private static void port(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + ": " + port + " (expected: [0, 65535])");
    }
  }

  private static Duration positive(String name, Duration d, Duration dflt) {
    if (d == null) {
      return dflt;
    }
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
    return d;
  }
}
