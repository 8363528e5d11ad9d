package dev.loadfuse.sidecar.gpu;

import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;

/**
 * Fills {@link Endpoint#gpus()}: which GPUs each endpoint runs on, so that GPU readings (NVML,
 * by UUID) can be joined to endpoints.
 *
 * <p>Implementations: {@link #fromEndpointsFile()} (local mode: the file's {@code gpus}, as is)
 * and {@link PodResourcesGpuAttribution} (Kubernetes mode: from the kubelet PodResources API,
 * joined on the pod's namespace/name).
 *
 * <p><b>Threading.</b> {@link #attribute} is fast, never blocks and may be called from any
 * thread, an event loop included: it reads the latest knowledge the implementation holds.
 */
@FunctionalInterface
public interface GpuAttribution {

  /**
   * The same endpoints with {@code gpus} filled from what is known now. Returns {@code endpoints}
   * itself when nothing changes.
   */
  EndpointSet attribute(EndpointSet endpoints);

  /** Local mode: the endpoints file already says which GPUs each endpoint uses (identity). */
  static GpuAttribution fromEndpointsFile() {
    return endpoints -> endpoints;
  }
}
