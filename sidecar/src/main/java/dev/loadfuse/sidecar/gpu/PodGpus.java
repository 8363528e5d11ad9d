package dev.loadfuse.sidecar.gpu;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;

/**
 * Which GPUs each pod on this node holds, as the kubelet allocated them: GPU ({@code GPU-…}) and
 * MIG ({@code MIG-…}) UUIDs per pod, all containers together.
 *
 * @param byPod pod → its GPU/MIG UUIDs, sorted and distinct; pods without GPUs are absent
 */
public record PodGpus(Map<PodName, List<String>> byPod) {

  public static final PodGpus EMPTY = new PodGpus(Map.of());

  /** A pod's namespace and name, the key PodResources and the API server share. */
  public record PodName(String namespace, String name) {
    public PodName {
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(name, "name");
    }

    @Override
    public String toString() {
      return namespace + "/" + name;
    }
  }

  public PodGpus {
    Map<PodName, List<String>> copy = new HashMap<>();
    byPod.forEach(
        (pod, gpus) -> {
          if (!gpus.isEmpty()) {
            copy.put(pod, List.copyOf(new TreeSet<>(gpus)));
          }
        });
    byPod = Map.copyOf(copy);
  }

  /** The GPUs of pod {@code namespace/name}; empty when it holds none or is unknown. */
  public List<String> of(String namespace, String name) {
    return byPod.getOrDefault(new PodName(namespace, name), List.of());
  }
}
