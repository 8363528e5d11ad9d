package dev.loadfuse.sidecar.gpu;

/**
 * The kubelet PodResources API could not be used; the message is complete on its own, e.g.
 * {@code podresources: cannot reach unix:///var/lib/kubelet/pod-resources/kubelet.sock: no such
 * socket (...)}.
 */
public final class PodResourcesException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public PodResourcesException(String message, Throwable cause) {
    super(message, cause);
  }
}
