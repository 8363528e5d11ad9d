package dev.loadfuse.sidecar.discovery.kubernetes;

import static dev.loadfuse.sidecar.discovery.kubernetes.KubernetesErrors.isNotFound;
import static dev.loadfuse.sidecar.discovery.kubernetes.KubernetesErrors.message;
import static dev.loadfuse.sidecar.discovery.kubernetes.KubernetesErrors.unwrap;

import dev.loadfuse.sidecar.discovery.DiscoveryException;
import dev.loadfuse.sidecar.discovery.Endpoint;
import dev.loadfuse.sidecar.discovery.EndpointDiscovery;
import dev.loadfuse.sidecar.discovery.EndpointSet;
import dev.loadfuse.sidecar.discovery.PoolRef;
import dev.loadfuse.sidecar.discovery.SnapshotPublisher;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Endpoints from the Kubernetes API: the pods on this node selected by InferencePools.
 *
 * <p><b>What is selected.</b> A pod yields endpoints when it is on {@link
 * KubernetesDiscoveryOptions#nodeName()}, has condition {@code Ready=True}, has no {@code
 * deletionTimestamp} (not terminating) and has a {@code status.podIP}; and for each pool of its
 * namespace whose selector labels it carries all of. A pod selected by two pools yields endpoints
 * in both. A pool with one target port gives one endpoint named after the pod; a pool with
 * {@code n > 1} ports (v1 {@code targetPorts}) gives {@code <pod>-rank-<i>} for {@code i} in
 * {@code 0..n-1}, in the order of the list. Metrics are scraped at {@code /metrics} on the same
 * port. The pod's labels, its namespace/name/uid, and the pool's annotations travel with each
 * endpoint.
 *
 * <p><b>How.</b> Three fabric8 SharedInformers (pods of this node, InferencePools v1 and
 * v1alpha2 read as {@link GenericKubernetesResource}) with resync; fabric8 re-lists and re-watches
 * after a lost watch or a 410 Gone. Every event schedules a recompute of the whole set from the
 * informer caches (coalesced), so nothing derived can go stale; the publisher drops results equal
 * to the last one.
 *
 * <p><b>Errors.</b> A malformed pool (bad selector, port out of range, 9 ports) is skipped and
 * reported; the same pool at both API versions is used once (v1) and reported; a pool API the
 * server does not serve (404: CRD not installed) is reported and retried with back-off, so pools
 * appear once the CRD is installed. A watch failure is reported and retried; the caches and the
 * last set stay. Each problem is reported once while it lasts. The start fails when the first
 * listing of pods, or of a served pool API, fails (unreachable server, RBAC).
 *
 * <p><b>Threading.</b> Informer callbacks only schedule work; one daemon thread ({@code
 * loadfuse-k8s-discovery}) recomputes and calls the listener. The client is the caller's: {@link
 * #close()} stops the informers but does not close it.
 */
public final class KubernetesEndpointDiscovery implements EndpointDiscovery {

  private final KubernetesClient client;
  private final KubernetesDiscoveryOptions options;
  private final AtomicBoolean started = new AtomicBoolean();
  private final AtomicBoolean recomputePending = new AtomicBoolean();
  private volatile boolean closed;
  private volatile ExecutorService executor;
  private volatile Thread thread;
  private volatile SnapshotPublisher publisher;
  private volatile SharedIndexInformer<Pod> pods;
  private final List<PoolSource> poolSources = new CopyOnWriteArrayList<>();

  // Confined to the executor thread.
  private boolean ready;
  private final List<DiscoveryException> beforeFirstSet = new ArrayList<>();

  public KubernetesEndpointDiscovery(KubernetesClient client, KubernetesDiscoveryOptions options) {
    this.client = Objects.requireNonNull(client, "client");
    this.options = Objects.requireNonNull(options, "options");
  }

  @Override
  public CompletableFuture<EndpointSet> start(Listener listener) {
    Objects.requireNonNull(listener, "listener");
    if (closed || !started.compareAndSet(false, true)) {
      throw new IllegalStateException(describe() + ": already started or closed");
    }
    publisher = new SnapshotPublisher(listener);
    executor =
        Executors.newSingleThreadExecutor(
            r -> {
              Thread t = Thread.ofPlatform().daemon().name("loadfuse-k8s-discovery").unstarted(r);
              thread = t;
              return t;
            });
    try {
      return startInformers();
    } catch (RuntimeException e) {
      // e.g. an invalid client configuration: nothing was started that should keep running
      close();
      return CompletableFuture.failedFuture(
          new DiscoveryException("kubernetes: cannot start informers: " + message(e), e));
    }
  }

  private CompletableFuture<EndpointSet> startInformers() {
    long resyncMillis = options.resyncPeriod().toMillis();

    var podOps = options.namespace() == null
        ? client.pods().inAnyNamespace()
        : client.pods().inNamespace(options.namespace());
    var podSelection = options.nodeFieldSelector()
        ? podOps.withField("spec.nodeName", options.nodeName())
        : podOps;
    InformerErrors podErrors = new InformerErrors("pods on node " + options.nodeName());
    pods = podSelection.runnableInformer(resyncMillis);
    pods.addEventHandler(new Recompute<>(podErrors));
    pods.exceptionHandler(
        (isStarted, t) -> {
          if (!isStarted) {
            return false; // fail the start: unreachable or forbidden at boot
          }
          podErrors.report(t);
          return true; // keep retrying: a stopped informer would leave a stale cache
        });

    List<CompletableFuture<?>> ready = new ArrayList<>();
    ready.add(pods.start().toCompletableFuture().exceptionallyCompose(t -> failStart(podErrors, t)));
    for (PoolApi api : PoolApi.values()) {
      if (!options.poolApis().contains(api)) {
        continue;
      }
      PoolSource src = new PoolSource(api);
      var poolOps = client.genericKubernetesResources(api.context());
      src.informer =
          (options.namespace() == null
                  ? poolOps.inAnyNamespace()
                  : poolOps.inNamespace(options.namespace()))
              .runnableInformer(resyncMillis);
      src.informer.addEventHandler(new Recompute<>(src.errors));
      src.informer.exceptionHandler(
          (isStarted, t) -> {
            if (!isStarted && isNotFound(t)) {
              src.errors.report(t);
              src.notServedYet.complete(null);
              return true; // retry with back-off: the CRD may be installed later
            }
            if (!isStarted) {
              return false;
            }
            src.errors.report(t);
            return true;
          });
      poolSources.add(src);
      CompletableFuture<?> synced = src.informer.start().toCompletableFuture();
      ready.add(
          CompletableFuture.anyOf(synced, src.notServedYet)
              .exceptionallyCompose(t -> failStart(src.errors, t)));
    }

    CompletableFuture<EndpointSet> first = new CompletableFuture<>();
    CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new))
        .whenCompleteAsync(
            (ok, t) -> {
              if (t != null) {
                first.completeExceptionally(unwrap(t));
                close();
                return;
              }
              if (closed) {
                first.completeExceptionally(new DiscoveryException(describe() + ": closed"));
                return;
              }
              this.ready = true;
              EndpointSet set = recompute();
              beforeFirstSet.forEach(publisher::error);
              beforeFirstSet.clear();
              first.complete(set);
            },
            executor);
    return first;
  }

  private <T> CompletableFuture<T> failStart(InformerErrors errors, Throwable t) {
    return CompletableFuture.failedFuture(
        new DiscoveryException(
            "kubernetes: cannot list " + errors.what + " from " + client.getMasterUrl() + ": "
                + message(t),
            unwrap(t)));
  }

  private void scheduleRecompute() {
    if (closed || !recomputePending.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(
          () -> {
            recomputePending.set(false);
            if (ready && !closed) {
              recompute();
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  // On the executor thread only.
  private EndpointSet recompute() {
    List<String> problems = new ArrayList<>();
    Map<PoolRef, InferencePoolSpec> pools = new TreeMap<>();
    for (PoolSource src : poolSources) {
      for (GenericKubernetesResource r : src.informer.getStore().list()) {
        InferencePoolSpec spec;
        try {
          spec = InferencePoolSpec.parse(src.api, r);
        } catch (IllegalArgumentException e) {
          problems.add("kubernetes: " + e.getMessage() + "; pool skipped");
          continue;
        }
        InferencePoolSpec first = pools.putIfAbsent(spec.ref(), spec);
        if (first != null) {
          problems.add(
              "kubernetes: InferencePool " + spec.ref() + " exists as " + first.api().apiVersion()
                  + " and " + spec.api().apiVersion() + "; using " + first.api().apiVersion());
        }
      }
    }
    List<Endpoint> out = new ArrayList<>();
    for (Pod pod : pods.getStore().list()) {
      if (!eligible(pod)) {
        continue;
      }
      for (InferencePoolSpec pool : pools.values()) {
        if (pool.selects(pod)) {
          try {
            out.addAll(pool.endpoints(pod));
          } catch (IllegalArgumentException e) {
            problems.add("kubernetes: pod " + pod.getMetadata().getNamespace() + "/"
                + pod.getMetadata().getName() + " in pool " + pool.ref() + ": " + e.getMessage());
          }
        }
      }
    }
    EndpointSet set = new EndpointSet(out);
    if (!closed) {
      publisher.publish(set);
      publisher.problems(problems);
    }
    return set;
  }

  private boolean eligible(Pod pod) {
    return pod.getSpec() != null
        && options.nodeName().equals(pod.getSpec().getNodeName())
        && InferencePoolSpec.isServing(pod);
  }

  @Override
  public EndpointSet current() {
    SnapshotPublisher pub = publisher;
    return pub == null ? EndpointSet.EMPTY : pub.current();
  }

  @Override
  public String describe() {
    List<String> apis = new ArrayList<>();
    for (PoolApi api : PoolApi.values()) {
      if (options.poolApis().contains(api)) {
        apis.add(api.apiVersion());
      }
    }
    return "kubernetes pods on node " + options.nodeName() + " in "
        + (options.namespace() == null ? "all namespaces" : "namespace " + options.namespace())
        + ", InferencePools " + String.join(", ", apis);
  }

  @Override
  public void close() {
    closed = true;
    SharedIndexInformer<Pod> p = pods;
    if (p != null) {
      p.stop();
    }
    for (PoolSource src : poolSources) {
      if (src.informer != null) {
        src.informer.stop();
      }
    }
    ExecutorService ex = executor;
    if (ex != null) {
      ex.shutdownNow();
      if (Thread.currentThread() != thread) {
        try {
          ex.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }
  }





  /** One pool API version: its informer and whether the server said it does not serve it. */
  private final class PoolSource {
    final PoolApi api;
    final InformerErrors errors;
    final CompletableFuture<Void> notServedYet = new CompletableFuture<>();
    SharedIndexInformer<GenericKubernetesResource> informer;

    PoolSource(PoolApi api) {
      this.api = api;
      this.errors = new InformerErrors("InferencePools " + api.apiVersion());
    }
  }

  /**
   * Reports an informer's watch/list failures once per run of identical failures; a successful
   * listing or any event ends the run.
   */
  private final class InformerErrors {
    final String what;
    private String last;

    InformerErrors(String what) {
      this.what = what;
    }

    synchronized void report(Throwable t) {
      String msg = "kubernetes: watching " + what + " failed, retrying: " + message(t)
          + (isNotFound(t) ? " (is the CRD installed?)" : "");
      if (msg.equals(last)) {
        return;
      }
      last = msg;
      ExecutorService ex = executor;
      if (closed || ex == null) {
        return;
      }
      try {
        ex.execute(
            () -> {
              if (closed) {
                return;
              }
              DiscoveryException e = new DiscoveryException(msg, unwrap(t));
              if (ready) {
                publisher.error(e);
              } else {
                beforeFirstSet.add(e); // the first set goes first
              }
            });
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
    }

    synchronized void recovered() {
      last = null;
    }
  }

  private final class Recompute<T> implements ResourceEventHandler<T> {
    private final InformerErrors errors;

    Recompute(InformerErrors errors) {
      this.errors = errors;
    }

    @Override
    public void onAdd(T obj) {
      errors.recovered();
      scheduleRecompute();
    }

    @Override
    public void onUpdate(T oldObj, T newObj) {
      errors.recovered();
      scheduleRecompute();
    }

    @Override
    public void onDelete(T obj, boolean deletedFinalStateUnknown) {
      errors.recovered();
      scheduleRecompute();
    }

    @Override
    public void onList(String resourceVersion, boolean remainedEmpty) {
      errors.recovered();
      scheduleRecompute();
    }
  }
}
