package dev.loadfuse.discovery.kubernetes;

import dev.loadfuse.discovery.PoolRef;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Options of {@link KubernetesEndpointDiscovery}: its scope and how it watches. One of three
 * scopes:
 *
 * <ul>
 *   <li><b>node</b> ({@link #forNode}): the sidecar's. The pods on {@code nodeName} selected by any
 *       InferencePool of {@code namespace} (or of every namespace);
 *   <li><b>pool</b> ({@link #forPool}): the picker's {@code --pool-name}. The pods of {@code
 *       namespace} selected by the InferencePool {@code poolName}; a missing pool gives an empty
 *       set until it is created;
 *   <li><b>selector</b> ({@link #forSelector}): the picker's {@code --endpoint-selector} without
 *       CRDs. The pods of {@code namespace} whose labels meet {@code selector}, one endpoint
 *       per target port, in a pool named {@value #SELECTOR_POOL_NAME}.
 * </ul>
 *
 * @param nodeName node scope: this node ({@code spec.nodeName} of the pods to keep), usually from
 *     the downward API env {@code NODE_NAME}; null in the other scopes
 * @param namespace watch pods and pools of this namespace only; node scope: null for all
 * @param poolName pool scope: the InferencePool's name; null otherwise
 * @param selector selector scope: what a pod's labels must meet; null otherwise
 * @param targetPorts selector scope: the ports of each selected pod (1 to {@value
 *     InferencePoolSpec#MAX_TARGET_PORTS}); empty otherwise
 * @param resyncPeriod informer resync period (replays the caches; every event recomputes the
 *     full set); default {@link #DEFAULT_RESYNC_PERIOD}
 * @param poolApis the InferencePool versions to read; default both. A version the API server
 *     does not serve (CRD not installed) is reported and retried, and does not fail the start
 * @param nodeFieldSelector node scope: ask the API server for this node's pods only ({@code
 *     fieldSelector=spec.nodeName=...}); default {@code true}. The node is also checked client
 *     side, so {@code false} is correct too, but makes every sidecar watch every pod; it exists
 *     for test API servers that cannot filter on {@code spec.nodeName}
 */
public record KubernetesDiscoveryOptions(
    String nodeName,
    String namespace,
    String poolName,
    LabelSelector selector,
    List<Integer> targetPorts,
    Duration resyncPeriod,
    Set<PoolApi> poolApis,
    boolean nodeFieldSelector) {

  public static final Duration DEFAULT_RESYNC_PERIOD = Duration.ofMinutes(1);
  /** The pool of selector scope (in metrics and views): {@code <namespace>/endpoint-selector}. */
  public static final String SELECTOR_POOL_NAME = "endpoint-selector";

  /** The three scopes. */
  public enum Scope {
    NODE,
    POOL,
    SELECTOR
  }

  public KubernetesDiscoveryOptions {
    if (poolName != null && selector != null) {
      throw new IllegalArgumentException("poolName and selector: give one (an InferencePool, or pods selected by labels)");
    }
    if (poolName == null && selector == null) {
      if (nodeName == null || nodeName.isBlank()) {
        throw new IllegalArgumentException(
            "nodeName: " + (nodeName == null ? "null" : "\"" + nodeName + "\"")
                + " (expected: this node's name, e.g. from env NODE_NAME)");
      }
      if (namespace != null && namespace.isBlank()) {
        throw new IllegalArgumentException(
            "namespace: \"" + namespace + "\" (expected: a namespace, or null for all)");
      }
    } else {
      if (nodeName != null) {
        throw new IllegalArgumentException("nodeName: only in node scope (not with a pool or selector)");
      }
      if (namespace == null || namespace.isBlank()) {
        throw new IllegalArgumentException(
            "namespace: " + (namespace == null ? "null" : "\"" + namespace + "\"") + " (expected: a namespace)");
      }
    }
    if (poolName != null && poolName.isBlank()) {
      throw new IllegalArgumentException("poolName: \"" + poolName + "\" (expected: an InferencePool name)");
    }
    targetPorts = targetPorts == null ? List.of() : List.copyOf(targetPorts);
    if (selector != null) {
      InferencePoolSpec.fromSelector(PoolRef.of(namespace, SELECTOR_POOL_NAME), selector, targetPorts);
    } else if (!targetPorts.isEmpty()) {
      throw new IllegalArgumentException("targetPorts: only with a selector (an InferencePool gives its ports)");
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

  /** Node scope for {@code nodeName}: all namespaces, both pool APIs, server-side node filter. */
  public static KubernetesDiscoveryOptions forNode(String nodeName) {
    return new KubernetesDiscoveryOptions(
        nodeName, null, null, null, null, DEFAULT_RESYNC_PERIOD, EnumSet.allOf(PoolApi.class), true);
  }

  /** Pool scope: the InferencePool {@code namespace/poolName} (either API version, v1 winning). */
  public static KubernetesDiscoveryOptions forPool(String namespace, String poolName) {
    return new KubernetesDiscoveryOptions(
        null, namespace, poolName, null, null, DEFAULT_RESYNC_PERIOD, EnumSet.allOf(PoolApi.class), false);
  }

  /** Selector scope: the pods of {@code namespace} carrying {@code selector}, on {@code ports}. */
  public static KubernetesDiscoveryOptions forSelector(String namespace, Map<String, String> selector,
      List<Integer> ports) {
    if (selector == null || selector.isEmpty()) {
      throw new IllegalArgumentException("selector: empty (expected: at least one label; an empty selector would select every pod)");
    }
    return forSelector(namespace, LabelSelector.of(selector), ports);
  }

  /** Selector scope with any Kubernetes label selector ({@code app=vllm,tier in (gpu,tpu),!canary}). */
  public static KubernetesDiscoveryOptions forSelector(String namespace, LabelSelector selector, List<Integer> ports) {
    return new KubernetesDiscoveryOptions(
        null, namespace, null, selector, ports, DEFAULT_RESYNC_PERIOD, EnumSet.allOf(PoolApi.class), false);
  }

  public KubernetesDiscoveryOptions withNamespace(String namespace) {
    return new KubernetesDiscoveryOptions(nodeName, namespace, poolName, selector, targetPorts, resyncPeriod, poolApis,
        nodeFieldSelector);
  }

  public KubernetesDiscoveryOptions withResyncPeriod(Duration resyncPeriod) {
    return new KubernetesDiscoveryOptions(nodeName, namespace, poolName, selector, targetPorts, resyncPeriod, poolApis,
        nodeFieldSelector);
  }

  public KubernetesDiscoveryOptions withPoolApis(Set<PoolApi> poolApis) {
    return new KubernetesDiscoveryOptions(nodeName, namespace, poolName, selector, targetPorts, resyncPeriod, poolApis,
        nodeFieldSelector);
  }

  public KubernetesDiscoveryOptions withNodeFieldSelector(boolean nodeFieldSelector) {
    return new KubernetesDiscoveryOptions(nodeName, namespace, poolName, selector, targetPorts, resyncPeriod, poolApis,
        nodeFieldSelector);
  }

  public Scope scope() {
    return selector != null ? Scope.SELECTOR : poolName != null ? Scope.POOL : Scope.NODE;
  }

  /** Pool and selector scope: the pool the endpoints belong to; null in node scope (many pools). */
  public PoolRef poolRef() {
    return switch (scope()) {
      case NODE -> null;
      case POOL -> PoolRef.of(namespace, poolName);
      case SELECTOR -> PoolRef.of(namespace, SELECTOR_POOL_NAME);
    };
  }

  /** Selector scope: the pool-like selection; null otherwise. */
  public InferencePoolSpec selectorPool() {
    return scope() == Scope.SELECTOR ? InferencePoolSpec.fromSelector(poolRef(), selector, targetPorts) : null;
  }

  /**
   * For logs, e.g. {@code pods on node node-a in all namespaces, InferencePools ...}, {@code
   * InferencePool llm/vllm-pool}, {@code pods of namespace llm with app=vllm on 8000}.
   */
  public String describe() {
    return switch (scope()) {
      case NODE -> "pods on node " + nodeName + " in "
          + (namespace == null ? "all namespaces" : "namespace " + namespace) + ", InferencePools "
          + EnumSet.copyOf(poolApis).stream().map(PoolApi::apiVersion).collect(Collectors.joining(", "));
      case POOL -> "InferencePool " + namespace + "/" + poolName;
      case SELECTOR -> "pods of namespace " + namespace + " with " + selector + " on " + targetPorts.stream().map(String::valueOf).collect(Collectors.joining(","));
    };
  }

  @Override
  public String toString() {
    return describe();
  }
}
