package dev.loadfuse.discovery;

import java.util.Objects;

/**
 * The pool an endpoint belongs to: an InferencePool in Kubernetes ({@code namespace/name}) or the
 * {@code pool.name} of a local endpoints file (no namespace).
 *
 * @param namespace the pool's namespace, or {@code ""} where there is none (local mode)
 * @param name the pool's name, never blank
 */
public record PoolRef(String namespace, String name) implements Comparable<PoolRef> {

  public PoolRef {
    Objects.requireNonNull(namespace, "namespace");
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("pool name: " + Checks.quote(name) + " (expected: not blank)");
    }
  }

  /** A pool without a namespace (local mode). */
  public static PoolRef local(String name) {
    return new PoolRef("", name);
  }

  /** A namespaced pool (Kubernetes mode). */
  public static PoolRef of(String namespace, String name) {
    if (namespace == null || namespace.isBlank()) {
      throw new IllegalArgumentException(
          "pool namespace: " + Checks.quote(namespace) + " (expected: not blank)");
    }
    return new PoolRef(namespace, name);
  }

  public boolean hasNamespace() {
    return !namespace.isEmpty();
  }

  @Override
  public int compareTo(PoolRef o) {
    int c = namespace.compareTo(o.namespace);
    return c != 0 ? c : name.compareTo(o.name);
  }

  /** {@code namespace/name}, or {@code name} without a namespace. */
  @Override
  public String toString() {
    return hasNamespace() ? namespace + "/" + name : name;
  }
}
