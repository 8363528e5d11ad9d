package dev.loadfuse.discovery.kubernetes;

import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.PodRef;
import dev.loadfuse.discovery.PoolRef;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodCondition;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What discovery needs of an InferencePool, read from a {@link GenericKubernetesResource} of
 * either API version, or made from flags ({@link #fromSelector}) where there are no CRDs. Public so
 * that the picker's discovery of one pool reads pools and pods exactly as the sidecar does.
 *
 * @param api the version it was read from; {@code null} when made from a selector
 * @param ref namespace/name
 * @param selector what a pod's labels must meet: a pool's {@code matchLabels}, or (no CRDs) any
 *     Kubernetes label selector
 * @param targetPorts one or more ports, one endpoint each
 * @param annotations the pool's annotations
 */
public record InferencePoolSpec(
    PoolApi api,
    PoolRef ref,
    LabelSelector selector,
    List<Integer> targetPorts,
    Map<String, String> annotations) {

  public static final int MAX_TARGET_PORTS = 8;

  /**
   * Where the model server's Prometheus page is when it is not {@code /metrics} on the target port
   * (Triton serves it on 8002): an annotation of the pod, else of the pool. The port applies only
   * to pools with one target port (each rank of a multi-port pool has its own page).
   */
  public static final String METRICS_PORT_ANNOTATION = "loadfuse.dev/metrics-port";

  /** The path of the Prometheus page (default {@code /metrics}); pod, else pool annotation. */
  public static final String METRICS_PATH_ANNOTATION = "loadfuse.dev/metrics-path";

  /**
   * A pool-like selection without an InferencePool object: the pods of {@code ref}'s namespace
   * meeting {@code selector}, one endpoint per target port.
   *
   * @throws IllegalArgumentException naming the field: an empty selector, no ports, more than
   *     {@value #MAX_TARGET_PORTS}, a port out of range or twice
   */
  public static InferencePoolSpec fromSelector(PoolRef ref, Map<String, String> selector, List<Integer> targetPorts) {
    if (selector == null || selector.isEmpty()) {
      throw new IllegalArgumentException("selector: empty (expected: at least one label; an empty selector would select every pod)");
    }
    return fromSelector(ref, LabelSelector.of(selector), targetPorts);
  }

  /** {@link #fromSelector(PoolRef, Map, List)} with any label selector. */
  public static InferencePoolSpec fromSelector(PoolRef ref, LabelSelector selector, List<Integer> targetPorts) {
    if (selector == null) {
      throw new IllegalArgumentException("selector: empty (expected: at least one label; an empty selector would select every pod)");
    }
    if (targetPorts == null || targetPorts.isEmpty() || targetPorts.size() > MAX_TARGET_PORTS) {
      throw new IllegalArgumentException("targetPorts: " + (targetPorts == null ? 0 : targetPorts.size())
          + " entries (expected: 1 to " + MAX_TARGET_PORTS + ")");
    }
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < targetPorts.size(); i++) {
      int port = port(targetPorts.get(i), "targetPorts[" + i + "]");
      if (!seen.add(port)) {
        throw new IllegalArgumentException("targetPorts[" + i + "]: duplicate " + port);
      }
    }
    return new InferencePoolSpec(null, ref, selector, List.copyOf(targetPorts), Map.of());
  }

  /**
   * Whether {@code pod} can take traffic: condition {@code Ready=True}, no {@code
   * deletionTimestamp} (not terminating) and a {@code status.podIP}.
   */
  public static boolean isServing(Pod pod) {
    if (pod.getMetadata().getDeletionTimestamp() != null || pod.getStatus() == null) {
      return false;
    }
    String ip = pod.getStatus().getPodIP();
    if (ip == null || ip.isBlank()) {
      return false;
    }
    List<PodCondition> conditions = pod.getStatus().getConditions();
    if (conditions == null) {
      return false;
    }
    for (PodCondition c : conditions) {
      if ("Ready".equals(c.getType())) {
        return "True".equals(c.getStatus());
      }
    }
    return false;
  }

  /**
   * The endpoints of a selected, serving pod: one named after the pod for a single target port,
   * {@code <pod>-rank-<i>} per port otherwise; the pod's labels and this pool's annotations travel
   * with each.
   *
   * @throws IllegalArgumentException when the pod's name or address makes an invalid endpoint
   */
  public List<Endpoint> endpoints(Pod pod) {
    var meta = pod.getMetadata();
    PodRef podRef = new PodRef(meta.getNamespace(), meta.getName(), meta.getUid());
    Integer metricsPort = metricsPort(pod);
    String metricsPath = annotation(pod, METRICS_PATH_ANNOTATION);
    List<Endpoint> out = new ArrayList<>(targetPorts.size());
    for (int i = 0; i < targetPorts.size(); i++) {
      String name = targetPorts.size() == 1 ? meta.getName() : meta.getName() + "-rank-" + i;
      out.add(
          Endpoint.builder(name, pod.getStatus().getPodIP(), targetPorts.get(i), ref)
              .labels(meta.getLabels())
              .poolAnnotations(annotations)
              .metricsPort(metricsPort)
              .metricsPath(metricsPath)
              .pod(podRef)
              .build());
    }
    return out;
  }

  /** The pod's annotation {@code key}, else the pool's, else {@code null}. */
  private String annotation(Pod pod, String key) {
    Map<String, String> podAnnotations = pod.getMetadata().getAnnotations();
    String v = podAnnotations == null ? null : podAnnotations.get(key);
    return v != null ? v : annotations.get(key);
  }

  private Integer metricsPort(Pod pod) {
    String text = annotation(pod, METRICS_PORT_ANNOTATION);
    if (text == null) {
      return null;
    }
    if (targetPorts.size() > 1) {
      throw new IllegalArgumentException("annotation " + METRICS_PORT_ANNOTATION + ": applies to pools with one target"
          + " port (this pool has " + targetPorts.size() + "; each rank serves its own page)");
    }
    try {
      int port = Integer.parseInt(text.trim());
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("annotation " + METRICS_PORT_ANNOTATION + ": \"" + text + "\" (expected: a port, 1 to 65535)");
  }

  /** Whether {@code pod} is in this pool's namespace and its labels meet the selector. */
  public boolean selects(Pod pod) {
    if (!ref.namespace().equals(pod.getMetadata().getNamespace())) {
      return false;
    }
    Map<String, String> labels = pod.getMetadata().getLabels();
    return selector.matches(labels == null ? Map.of() : labels);
  }

  /**
   * @throws IllegalArgumentException with a message naming the pool, its version and the field
   */
  public static InferencePoolSpec parse(PoolApi api, GenericKubernetesResource r) {
    String ns = r.getMetadata().getNamespace();
    String name = r.getMetadata().getName();
    String where = "InferencePool " + ns + "/" + name + " (" + api.apiVersion() + "): ";
    try {
      PoolRef ref = PoolRef.of(ns, name);
      Map<String, Object> spec = map(r.getAdditionalProperties().get("spec"), "spec");
      if (spec == null) {
        throw new IllegalArgumentException("spec: missing");
      }
      Map<String, String> selector;
      List<Integer> ports;
      if (api == PoolApi.V1) {
        Map<String, Object> sel = map(spec.get("selector"), "spec.selector");
        if (sel == null) {
          throw new IllegalArgumentException("spec.selector: missing");
        }
        if (sel.get("matchExpressions") != null) {
          throw new IllegalArgumentException(
              "spec.selector.matchExpressions: not supported (expected: matchLabels only)");
        }
        selector = labels(sel.get("matchLabels"), "spec.selector.matchLabels");
        ports = v1Ports(spec.get("targetPorts"));
      } else {
        selector = labels(spec.get("selector"), "spec.selector");
        ports = List.of(port(spec.get("targetPortNumber"), "spec.targetPortNumber"));
      }
      Map<String, String> annotations = r.getMetadata().getAnnotations();
      return new InferencePoolSpec(
          api, ref, LabelSelector.of(selector), ports, annotations == null ? Map.of() : Map.copyOf(annotations));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(where + e.getMessage(), e);
    }
  }

  private static List<Integer> v1Ports(Object value) {
    if (value == null) {
      throw new IllegalArgumentException("spec.targetPorts: missing");
    }
    if (!(value instanceof List<?> list)) {
      throw new IllegalArgumentException("spec.targetPorts: " + value + " (expected: a list)");
    }
    if (list.isEmpty() || list.size() > MAX_TARGET_PORTS) {
      throw new IllegalArgumentException(
          "spec.targetPorts: " + list.size() + " entries (expected: 1 to " + MAX_TARGET_PORTS + ")");
    }
    List<Integer> ports = new ArrayList<>(list.size());
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      String field = "spec.targetPorts[" + i + "]";
      Map<String, Object> entry = map(list.get(i), field);
      int port = port(entry == null ? null : entry.get("number"), field + ".number");
      if (!seen.add(port)) {
        throw new IllegalArgumentException(field + ".number: duplicate " + port);
      }
      ports.add(port);
    }
    return List.copyOf(ports);
  }

  private static int port(Object value, String field) {
    if (value == null) {
      throw new IllegalArgumentException(field + ": missing");
    }
    if (!(value instanceof Integer || value instanceof Long)) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: an integer in [1, 65535])");
    }
    long port = ((Number) value).longValue();
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(field + ": " + port + " (expected: [1, 65535])");
    }
    return (int) port;
  }

  private static Map<String, String> labels(Object value, String field) {
    Map<String, Object> raw = map(value, field);
    if (raw == null || raw.isEmpty()) {
      throw new IllegalArgumentException(field + ": empty (expected: at least one label; an empty selector would select every pod)");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : raw.entrySet()) {
      if (!(e.getValue() instanceof String s)) {
        throw new IllegalArgumentException(field + "." + e.getKey() + ": " + e.getValue() + " (expected: a string)");
      }
      out.put(e.getKey(), s);
    }
    return Map.copyOf(out);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Object value, String field) {
    if (value == null) {
      return null;
    }
    if (!(value instanceof Map<?, ?>)) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: a mapping)");
    }
    return (Map<String, Object>) value;
  }
}
