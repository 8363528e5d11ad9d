package dev.loadfuse.sidecar.gpu;

import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PodRef;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Kubernetes-mode {@link GpuAttribution}: each endpoint with a {@link PodRef} gets the GPU/MIG
 * UUIDs the kubelet allocated to its pod (all containers together; every rank of a multi-port
 * pod gets all of them, as PodResources does not say which rank uses which GPU). An endpoint
 * whose pod holds no GPU, or is not (yet) listed, gets none; endpoints without a pod are left
 * as they are.
 *
 * <p>{@link #refresh()} asks the kubelet again (call it when the endpoint set changes and
 * periodically); on failure the last good mapping stays in force and the failure is returned.
 * Nothing here blocks. Thread-safe.
 */
public final class PodResourcesGpuAttribution implements GpuAttribution, AutoCloseable {

  private final PodResourcesClient client;
  private final AtomicReference<Snapshot> latest = new AtomicReference<>(new Snapshot(0, PodGpus.EMPTY));
  private final AtomicLong requests = new AtomicLong();

  private record Snapshot(long request, PodGpus gpus) {}

  /** Takes ownership of {@code client}: {@link #close()} closes it. */
  public PodResourcesGpuAttribution(PodResourcesClient client) {
    this.client = Objects.requireNonNull(client, "client");
  }

  /**
   * Lists the pods' devices again. The future completes with the new mapping once it is in
   * force, or fails with a {@link PodResourcesException} while the previous mapping stays. Of two
   * overlapping refreshes, the later-started one wins.
   */
  public CompletableFuture<PodGpus> refresh() {
    long request = requests.incrementAndGet();
    return client
        .list()
        .thenApply(
            gpus -> {
              latest.accumulateAndGet(
                  new Snapshot(request, gpus), (cur, next) -> next.request() > cur.request() ? next : cur);
              return gpus;
            });
  }

  /** The mapping in force: the last successful refresh, {@link PodGpus#EMPTY} before one. */
  public PodGpus current() {
    return latest.get().gpus();
  }

  @Override
  public EndpointSet attribute(EndpointSet endpoints) {
    PodGpus gpus = current();
    return endpoints.map(
        e -> {
          PodRef pod = e.pod();
          return pod == null ? e : e.withGpus(gpus.of(pod.namespace(), pod.name()));
        });
  }

  @Override
  public void close() {
    client.close();
  }
}
