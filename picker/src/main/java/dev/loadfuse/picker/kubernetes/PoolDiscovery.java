package dev.loadfuse.picker.kubernetes;

import dev.loadfuse.sidecar.discovery.kubernetes.KubernetesErrors;
import dev.loadfuse.sidecar.discovery.DiscoveryException;
import dev.loadfuse.sidecar.discovery.Endpoint;
import dev.loadfuse.sidecar.discovery.EndpointDiscovery;
import dev.loadfuse.sidecar.discovery.EndpointSet;
import dev.loadfuse.sidecar.discovery.SnapshotPublisher;
import dev.loadfuse.sidecar.discovery.kubernetes.InferencePoolSpec;
import dev.loadfuse.sidecar.discovery.kubernetes.PoolApi;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * The picker's endpoints from the Kubernetes API: the Ready, non-terminating pods with an IP that
 * the InferencePool {@code --pool-name} selects (either API version), or, in selector mode, that
 * carry {@code --endpoint-selector}; one endpoint per target port, read exactly as the sidecar
 * reads them ({@link InferencePoolSpec}): pod labels and pool annotations travel with each
 * endpoint, so the in-process sidecar picks the engine adapter from them.
 *
 * <p><b>How.</b> fabric8 informers on the pods of the namespace (in selector mode only those with
 * the selector's labels, filtered by the API server) and on the InferencePools of both versions
 * (the one named is picked client side). Every event schedules a recompute of the whole set from
 * the caches; fabric8 re-lists and re-watches after a lost watch, and the resync replays the
 * caches. A deleted or un-Ready pod leaves the set on the next event.
 *
 * <p><b>A missing pool</b> is not an error: the set is empty (the picker reports NOT_SERVING), one
 * line is logged, and the pool's endpoints appear when it is created. A pool API the server does
 * not serve (CRD not installed) is reported and retried. A malformed pool is reported and the last
 * good set stays. The start fails only when the first listing of pods (or of a served pool API)
 * fails: unreachable API server, or RBAC.
 *
 * <p><b>Threading.</b> Informer callbacks only schedule; one daemon thread ({@code
 * loadfuse-picker-k8s-endpoints}) recomputes and calls the listener. The client is the caller's.
 */
public final class PoolDiscovery implements EndpointDiscovery {

  private static final Logger LOG = Logger.getLogger(PoolDiscovery.class.getName());

  private final KubernetesClient client;
  private final KubernetesOptions options;
  private final InferencePoolSpec selectorPool;
  private final AtomicBoolean started = new AtomicBoolean();
  private final SerialWorker worker;
  private final List<SharedIndexInformer<GenericKubernetesResource>> pools = new ArrayList<>();
  private volatile SharedIndexInformer<Pod> pods;
  private volatile SnapshotPublisher publisher;

  // Confined to the worker thread.
  private boolean poolMissingLogged;

  public PoolDiscovery(KubernetesClient client, KubernetesOptions options) {
    this.client = Objects.requireNonNull(client, "client");
    this.options = Objects.requireNonNull(options, "options");
    this.selectorPool = options.selectorMode()
        ? InferencePoolSpec.fromSelector(options.poolRef(), options.endpointSelector(), options.targetPorts())
        : null;
    this.worker = new SerialWorker("loadfuse-picker-k8s-endpoints", this::recompute);
  }

  @Override
  public CompletableFuture<EndpointSet> start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    if (worker.closed() || !started.compareAndSet(false, true)) {
      throw new IllegalStateException(describe() + ": already started or closed");
    }
    publisher = new SnapshotPublisher(listener);
    String server = String.valueOf(client.getMasterUrl());
    long resync = options.resyncPeriod().toMillis();
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    try {
      var podOps = client.pods().inNamespace(options.namespace());
      pods = (options.selectorMode() ? podOps.withLabels(options.endpointSelector()) : podOps).runnableInformer(resync);
      ready.add(Informers.start(pods, "pods in namespace " + options.namespace(), server, false, worker, this::problem));
      if (!options.selectorMode()) {
        for (PoolApi api : PoolApi.values()) {
          SharedIndexInformer<GenericKubernetesResource> informer =
              client.genericKubernetesResources(api.context()).inNamespace(options.namespace()).runnableInformer(resync);
          pools.add(informer);
          ready.add(Informers.start(informer, "InferencePools " + api.apiVersion() + " in namespace "
              + options.namespace(), server, true, worker, this::problem));
        }
      }
    } catch (RuntimeException e) {
      close(); // e.g. an invalid client configuration
      return CompletableFuture.failedFuture(
          new DiscoveryException("kubernetes: cannot start informers: " + KubernetesErrors.message(e), e));
    }
    CompletableFuture<EndpointSet> first = new CompletableFuture<>();
    CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).whenCompleteAsync((ok, t) -> {
      if (t != null) {
        first.completeExceptionally(KubernetesErrors.unwrap(t));
        close();
        return;
      }
      worker.arm();
      first.complete(recompute());
    }, worker);
    return first;
  }

  /** A watch problem, reported in order with the sets. */
  private void problem(String message) {
    worker.execute(() -> {
      if (!worker.closed()) {
        publisher.error(new DiscoveryException(message));
      }
    });
  }

  // On the worker thread only.
  private EndpointSet recompute() {
    List<String> problems = new ArrayList<>();
    InferencePoolSpec pool = selectorPool;
    boolean malformed = false;
    if (pool == null) {
      for (int i = 0; i < pools.size(); i++) {
        PoolApi api = PoolApi.values()[i];
        for (GenericKubernetesResource r : pools.get(i).getStore().list()) {
          if (!options.poolName().equals(r.getMetadata().getName())) {
            continue;
          }
          try {
            InferencePoolSpec spec = InferencePoolSpec.parse(api, r);
            if (pool == null) {
              pool = spec;
            } else {
              problems.add("kubernetes: InferencePool " + spec.ref() + " exists as " + pool.api().apiVersion()
                  + " and " + api.apiVersion() + "; using " + pool.api().apiVersion());
            }
          } catch (IllegalArgumentException e) {
            malformed = true;
            problems.add("kubernetes: " + e.getMessage()); // the listener keeps the last good set
          }
        }
      }
    }
    EndpointSet set;
    if (pool == null && malformed) {
      set = publisher.current();
    } else {
      set = pool == null ? EndpointSet.EMPTY : endpoints(pool, problems);
      logPoolPresence(pool != null);
      publisher.publish(set);
    }
    publisher.problems(problems);
    return set;
  }

  private EndpointSet endpoints(InferencePoolSpec pool, List<String> problems) {
    List<Endpoint> out = new ArrayList<>();
    for (Pod pod : pods.getStore().list()) {
      if (InferencePoolSpec.isServing(pod) && pool.selects(pod)) {
        try {
          out.addAll(pool.endpoints(pod));
        } catch (IllegalArgumentException e) {
          problems.add("kubernetes: pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
              + " in " + options.describe() + ": " + e.getMessage());
        }
      }
    }
    return new EndpointSet(out);
  }

  private void logPoolPresence(boolean present) {
    if (options.selectorMode()) {
      return;
    }
    if (!present && !poolMissingLogged) {
      poolMissingLogged = true;
      LOG.warning("kubernetes: " + options.describe() + " not found (neither " + PoolApi.V1.apiVersion() + " nor "
          + PoolApi.V1ALPHA2.apiVersion() + "); not ready (health NOT_SERVING) until it is created");
    } else if (present && poolMissingLogged) {
      poolMissingLogged = false;
      LOG.info("kubernetes: " + options.describe() + " found");
    }
  }

  @Override
  public EndpointSet current() {
    SnapshotPublisher pub = publisher;
    return pub == null ? EndpointSet.EMPTY : pub.current();
  }

  @Override
  public String describe() {
    return "kubernetes " + options.describe();
  }

  @Override
  public void close() {
    worker.close();
    SharedIndexInformer<Pod> p = pods;
    if (p != null) {
      p.stop();
    }
    pools.forEach(SharedIndexInformer::stop);
  }
}
