package dev.loadfuse.picker.kubernetes;

import dev.loadfuse.sidecar.discovery.PoolRef;
import dev.loadfuse.sidecar.discovery.kubernetes.InferencePoolSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Where the picker finds its endpoints and routing objects in Kubernetes: the InferencePool named
 * {@code poolName} ({@code --pool-name}), or, without CRDs, the pods matching {@code
 * endpointSelector} on {@code targetPorts} ({@code --endpoint-selector}, {@code
 * --endpoint-target-ports}). Everything is read from one namespace.
 *
 * @param namespace where the pool, its pods and the routing objects live
 * @param poolName the InferencePool's name; null in selector mode
 * @param endpointSelector labels a pod must all carry (selector mode); null in pool mode
 * @param targetPorts the ports of each selected pod (selector mode); empty in pool mode
 * @param resyncPeriod informer resync: caches are replayed and everything recomputed this often;
 *     at least {@link #MIN_RESYNC_PERIOD} (fabric8 raises anything smaller to it, with a warning)
 */
public record KubernetesOptions(
    String namespace,
    String poolName,
    Map<String, String> endpointSelector,
    List<Integer> targetPorts,
    Duration resyncPeriod) {

  public static final Duration DEFAULT_RESYNC_PERIOD = Duration.ofMinutes(1);
  public static final Duration MIN_RESYNC_PERIOD = Duration.ofSeconds(1);
  /** The pool name of selector mode (in metrics and {@code /v1/endpoints}). */
  public static final String SELECTOR_POOL_NAME = "endpoint-selector";

  public KubernetesOptions {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException("namespace: " + (namespace == null ? "null" : "\"" + namespace + "\"")
          + " (expected: a namespace)");
    }
    if ((poolName == null) == (endpointSelector == null)) {
      throw new IllegalArgumentException("poolName and endpointSelector: give exactly one (pool mode or selector mode)");
    }
    if (poolName != null && poolName.isBlank()) {
      throw new IllegalArgumentException("poolName: \"" + poolName + "\" (expected: an InferencePool name)");
    }
    targetPorts = targetPorts == null ? List.of() : List.copyOf(targetPorts);
    if (endpointSelector != null) {
      endpointSelector = Map.copyOf(endpointSelector);
      InferencePoolSpec.fromSelector(PoolRef.of(namespace, SELECTOR_POOL_NAME), endpointSelector, targetPorts);
    } else if (!targetPorts.isEmpty()) {
      throw new IllegalArgumentException("targetPorts: only in selector mode (the InferencePool gives its ports)");
    }
    resyncPeriod = resyncPeriod == null ? DEFAULT_RESYNC_PERIOD : resyncPeriod;
    if (resyncPeriod.compareTo(MIN_RESYNC_PERIOD) < 0) {
      throw new IllegalArgumentException("resyncPeriod: " + resyncPeriod + " (expected: >= " + MIN_RESYNC_PERIOD + ")");
    }
  }

  /** Pool mode: the InferencePool {@code namespace/poolName}. */
  public static KubernetesOptions pool(String namespace, String poolName) {
    return new KubernetesOptions(namespace, poolName, null, null, null);
  }

  /** Selector mode: pods of {@code namespace} carrying {@code selector}, on {@code ports}. */
  public static KubernetesOptions selector(String namespace, Map<String, String> selector, List<Integer> ports) {
    return new KubernetesOptions(namespace, null, selector, ports, null);
  }

  public KubernetesOptions withResyncPeriod(Duration period) {
    return new KubernetesOptions(namespace, poolName, endpointSelector, targetPorts, period);
  }

  public boolean selectorMode() {
    return endpointSelector != null;
  }

  /** The pool the endpoints belong to: the InferencePool, or {@value #SELECTOR_POOL_NAME}. */
  public PoolRef poolRef() {
    return PoolRef.of(namespace, selectorMode() ? SELECTOR_POOL_NAME : poolName);
  }

  /** For logs: {@code InferencePool llm/vllm-pool} or {@code pods of llm with app=vllm on 8000}. */
  public String describe() {
    if (!selectorMode()) {
      return "InferencePool " + namespace + "/" + poolName;
    }
    StringBuilder b = new StringBuilder("pods of namespace ").append(namespace).append(" with ");
    new java.util.TreeMap<>(endpointSelector).forEach((k, v) -> b.append(k).append('=').append(v).append(','));
    b.setLength(b.length() - 1);
    return b.append(" on ").append(targetPorts.stream().map(String::valueOf).reduce((x, y) -> x + "," + y).orElse(""))
        .toString();
  }

  @Override
  public String toString() {
    return describe();
  }
}
