package dev.loadfuse.sidecar.discovery.kubernetes;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * Options of {@link KubernetesEndpointDiscovery}.
 *
 * @param nodeName this node ({@code spec.nodeName} of the pods to keep), usually from the
 *     downward API env {@code NODE_NAME}; required
 * @param namespace watch pods and pools of this namespace only, or {@code null} for all
 * @param resyncPeriod informer resync period (replays the caches; every event recomputes the
 *     full set); default {@link #DEFAULT_RESYNC_PERIOD}
 * @param poolApis the InferencePool versions to read; default both. A version the API server
 *     does not serve (CRD not installed) is reported and retried, and does not fail the start
 * @param nodeFieldSelector ask the API server for this node's pods only ({@code
 *     fieldSelector=spec.nodeName=...}); default {@code true}. The node is also checked client
 *     side, so {@code false} is correct too, but makes every sidecar watch every pod; it exists
 *     for test API servers that cannot filter on {@code spec.nodeName}
 */
public record KubernetesDiscoveryOptions(
    String nodeName,
    String namespace,
    Duration resyncPeriod,
    Set<PoolApi> poolApis,
    boolean nodeFieldSelector) {

  public static final Duration DEFAULT_RESYNC_PERIOD = Duration.ofMinutes(1);

  public KubernetesDiscoveryOptions {
    if (nodeName == null || nodeName.isBlank()) {
      throw new IllegalArgumentException(
          "nodeName: " + (nodeName == null ? "null" : "\"" + nodeName + "\"")
              + " (expected: this node's name, e.g. from env NODE_NAME)");
    }
    if (namespace != null && namespace.isBlank()) {
      throw new IllegalArgumentException(
          "namespace: \"" + namespace + "\" (expected: a namespace, or null for all)");
    }
    Objects.requireNonNull(resyncPeriod, "resyncPeriod");
    if (resyncPeriod.isNegative() || resyncPeriod.isZero()) {
      throw new IllegalArgumentException("resyncPeriod: " + resyncPeriod + " (expected: > 0)");
    }
    Objects.requireNonNull(poolApis, "poolApis");
    if (poolApis.isEmpty()) {
      throw new IllegalArgumentException("poolApis: [] (expected: at least one of " + java.util.Arrays.toString(PoolApi.values()) + ")");
    }
    poolApis = Set.copyOf(poolApis);
  }

  /** Defaults for {@code nodeName}: all namespaces, both pool APIs, server-side node filter. */
  public static KubernetesDiscoveryOptions forNode(String nodeName) {
    return new KubernetesDiscoveryOptions(
        nodeName, null, DEFAULT_RESYNC_PERIOD, EnumSet.allOf(PoolApi.class), true);
  }

  public KubernetesDiscoveryOptions withNamespace(String namespace) {
    return new KubernetesDiscoveryOptions(nodeName, namespace, resyncPeriod, poolApis, nodeFieldSelector);
  }

  public KubernetesDiscoveryOptions withResyncPeriod(Duration resyncPeriod) {
    return new KubernetesDiscoveryOptions(nodeName, namespace, resyncPeriod, poolApis, nodeFieldSelector);
  }

  public KubernetesDiscoveryOptions withPoolApis(Set<PoolApi> poolApis) {
    return new KubernetesDiscoveryOptions(nodeName, namespace, resyncPeriod, poolApis, nodeFieldSelector);
  }

  public KubernetesDiscoveryOptions withNodeFieldSelector(boolean nodeFieldSelector) {
    return new KubernetesDiscoveryOptions(nodeName, namespace, resyncPeriod, poolApis, nodeFieldSelector);
  }
}
