package dev.loadfuse.discovery;

/**
 * The Kubernetes pod behind an endpoint; the key GPU attribution joins on ({@link #namespace()},
 * {@link #name()}).
 *
 * @param namespace the pod's namespace, never blank
 * @param name the pod's name, never blank
 * @param uid the pod's {@code metadata.uid}, or {@code ""} when unknown
 */
public record PodRef(String namespace, String name, String uid) {

  public PodRef {
    Checks.notBlank("pod namespace", namespace);
    Checks.notBlank("pod name", name);
    uid = uid == null ? "" : uid;
  }

  /** {@code namespace/name}. */
  @Override
  public String toString() {
    return namespace + "/" + name;
  }
}
