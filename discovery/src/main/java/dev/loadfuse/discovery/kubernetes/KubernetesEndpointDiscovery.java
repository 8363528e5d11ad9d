package dev.loadfuse.discovery.kubernetes;

import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import dev.loadfuse.discovery.SnapshotPublisher;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions.Scope;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * Endpoints from the Kubernetes API, in one of the scopes of {@link KubernetesDiscoveryOptions}:
 * the pods on this node selected by any InferencePool (the sidecar), the pods the InferencePool
 * {@code poolName} selects (the picker's {@code --pool-name}), or the pods carrying a label
 * selector (the picker's {@code --endpoint-selector}).
 *
 * <p><b>What is selected.</b> A pod yields endpoints when it has condition {@code Ready=True}, has
 * no {@code deletionTimestamp} (not terminating), has a {@code status.podIP} and, in node scope, is
 * on {@link KubernetesDiscoveryOptions#nodeName()}; and for each pool of its namespace in scope
 * whose selector labels it carries all of. A pod selected by two pools yields endpoints in both. A
 * pool with one target port gives one endpoint named after the pod; a pool with {@code n > 1}
 * ports (v1 {@code targetPorts}) gives {@code <pod>-rank-<i>} for {@code i} in {@code 0..n-1}, in
 * the order of the list ({@link InferencePoolSpec#endpoints}). The pod's labels, its
 * namespace/name/uid, and the pool's annotations travel with each endpoint, so a consumer picks
 * the engine adapter from them.
 *
 * <p><b>How.</b> fabric8 informers on the pods (node scope: of this node, filtered by the API
 * server unless {@link KubernetesDiscoveryOptions#nodeFieldSelector()} is off; selector scope:
 * with the selector's labels) and on the InferencePools of each version in {@link
 * KubernetesDiscoveryOptions#poolApis()} (none in selector scope). Every event schedules a
 * recompute of the whole set from the caches on one {@link SerialWorker}; fabric8 re-lists and
 * re-watches after a lost watch, and the resync replays the caches.
 *
 * <p><b>Problems.</b> The same pool in both versions: v1 is used and the conflict reported. A
 * malformed pool: reported; in node scope it is skipped (the others stay), in pool scope the last
 * good set stays. A missing pool (pool scope) is not an error: the set is empty, one line is
 * logged, and its endpoints appear when it is created. A pool API the server does not serve (404:
 * CRD not installed) is reported and retried with back-off. A watch failure is reported and
 * retried; the caches and the last set stay. Each problem is reported once while it lasts. The
 * start fails when the first listing of pods, or of a served pool API, fails (unreachable server,
 * RBAC).
 *
 * <p><b>Threading.</b> Informer callbacks only schedule work; one daemon thread ({@code
 * loadfuse-k8s-discovery}) recomputes and calls the listener. The client is the caller's: {@link
 * #close()} stops the informers but does not close it.
 */
public final class KubernetesEndpointDiscovery implements EndpointDiscovery {

  private static final Logger LOG = Logger.getLogger(KubernetesEndpointDiscovery.class.getName());

  private final KubernetesClient client;
  private final KubernetesDiscoveryOptions options;
  private final InferencePoolSpec selectorPool;
  private final AtomicBoolean started = new AtomicBoolean();
  private final SerialWorker worker;
  private final Map<PoolApi, SharedIndexInformer<GenericKubernetesResource>> pools = new TreeMap<>();
  private volatile SharedIndexInformer<Pod> pods;
  private volatile SnapshotPublisher publisher;

  // Confined to the worker thread.
  private boolean ready;
  private final List<DiscoveryException> beforeFirstSet = new ArrayList<>();
  private boolean poolMissingLogged;

  public KubernetesEndpointDiscovery(KubernetesClient client, KubernetesDiscoveryOptions options) {
    this.client = Objects.requireNonNull(client, "client");
    this.options = Objects.requireNonNull(options, "options");
    this.selectorPool = options.selectorPool();
    this.worker = new SerialWorker("loadfuse-k8s-discovery", this::recompute);
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
    List<CompletableFuture<Void>> firstListings = new ArrayList<>();
    try {
      String where = options.namespace() == null ? "" : " in namespace " + options.namespace();
      var podOps = options.namespace() == null ? client.pods().inAnyNamespace()
          : client.pods().inNamespace(options.namespace());
      var selected = switch (options.scope()) {
        case NODE -> options.nodeFieldSelector() ? podOps.withField("spec.nodeName", options.nodeName()) : podOps;
        case POOL -> podOps;
        case SELECTOR -> podOps.withLabels(options.selector());
      };
      pods = selected.runnableInformer(resync);
      String podsWhat = options.scope() == Scope.NODE ? "pods on node " + options.nodeName() : "pods" + where;
      firstListings.add(Informers.start(pods, podsWhat, server, false, worker, this::problem));
      if (options.scope() != Scope.SELECTOR) {
        for (PoolApi api : PoolApi.values()) {
          if (!options.poolApis().contains(api)) {
            continue;
          }
          var poolOps = client.genericKubernetesResources(api.context());
          SharedIndexInformer<GenericKubernetesResource> informer = (options.namespace() == null
              ? poolOps.inAnyNamespace() : poolOps.inNamespace(options.namespace())).runnableInformer(resync);
          pools.put(api, informer);
          firstListings.add(Informers.start(informer, "InferencePools " + api.apiVersion() + where, server, true,
              worker, this::problem));
        }
      }
    } catch (RuntimeException e) {
      // e.g. an invalid client configuration: nothing was started that should keep running
      close();
      return CompletableFuture.failedFuture(
          new DiscoveryException("kubernetes: cannot start informers: " + KubernetesErrors.message(e), e));
    }
    CompletableFuture<EndpointSet> first = new CompletableFuture<>();
    CompletableFuture.allOf(firstListings.toArray(CompletableFuture[]::new)).whenCompleteAsync((ok, t) -> {
      if (t != null) {
        first.completeExceptionally(Problems.unwrap(t));
        close();
        return;
      }
      if (worker.closed()) {
        first.completeExceptionally(new DiscoveryException(describe() + ": closed"));
        return;
      }
      ready = true;
      worker.arm();
      EndpointSet set = recompute();
      // The first set goes first: problems seen while listing follow it.
      beforeFirstSet.forEach(publisher::error);
      beforeFirstSet.clear();
      first.complete(set);
    }, worker);
    return first;
  }

  /** A watch problem (from an informer thread), reported on the worker thread in order with the sets. */
  private void problem(String message) {
    worker.execute(() -> {
      if (worker.closed()) {
        return;
      }
      DiscoveryException e = new DiscoveryException(message);
      if (ready) {
        publisher.error(e);
      } else {
        beforeFirstSet.add(e);
      }
    });
  }

  // On the worker thread only.
  private EndpointSet recompute() {
    List<String> problems = new ArrayList<>();
    boolean malformed = false;
    Map<PoolRef, InferencePoolSpec> inScope = new TreeMap<>();
    if (selectorPool != null) {
      inScope.put(selectorPool.ref(), selectorPool);
    }
    for (Map.Entry<PoolApi, SharedIndexInformer<GenericKubernetesResource>> e : pools.entrySet()) {
      PoolApi api = e.getKey();
      for (GenericKubernetesResource r : e.getValue().getStore().list()) {
        if (options.scope() == Scope.POOL && !options.poolName().equals(r.getMetadata().getName())) {
          continue;
        }
        InferencePoolSpec spec;
        try {
          spec = InferencePoolSpec.parse(api, r);
        } catch (IllegalArgumentException ex) {
          malformed = true;
          // Node scope skips it and keeps the other pools; pool scope keeps the last good set.
          problems.add("kubernetes: " + ex.getMessage() + (options.scope() == Scope.NODE ? "; pool skipped" : ""));
          continue;
        }
        InferencePoolSpec earlier = inScope.putIfAbsent(spec.ref(), spec);
        if (earlier != null) {
          problems.add("kubernetes: InferencePool " + spec.ref() + " exists as " + earlier.api().apiVersion()
              + " and " + spec.api().apiVersion() + "; using " + earlier.api().apiVersion());
        }
      }
    }
    EndpointSet set;
    if (options.scope() == Scope.POOL && inScope.isEmpty() && malformed) {
      set = publisher.current();
    } else {
      set = endpoints(inScope, problems);
      if (options.scope() == Scope.POOL) {
        logPoolPresence(!inScope.isEmpty());
      }
      if (!worker.closed()) {
        publisher.publish(set);
      }
    }
    if (!worker.closed()) {
      publisher.problems(problems);
    }
    return set;
  }

  private EndpointSet endpoints(Map<PoolRef, InferencePoolSpec> inScope, List<String> problems) {
    List<Endpoint> out = new ArrayList<>();
    for (Pod pod : pods.getStore().list()) {
      if (!eligible(pod)) {
        continue;
      }
      for (InferencePoolSpec pool : inScope.values()) {
        if (pool.selects(pod)) {
          try {
            out.addAll(pool.endpoints(pod));
          } catch (IllegalArgumentException e) {
            problems.add("kubernetes: pod " + pod.getMetadata().getNamespace() + "/" + pod.getMetadata().getName()
                + " in pool " + pool.ref() + ": " + e.getMessage());
          }
        }
      }
    }
    return new EndpointSet(out);
  }

  private boolean eligible(Pod pod) {
    if (options.scope() == Scope.NODE
        && (pod.getSpec() == null || !options.nodeName().equals(pod.getSpec().getNodeName()))) {
      return false;
    }
    return InferencePoolSpec.isServing(pod);
  }

  private void logPoolPresence(boolean present) {
    if (!present && !poolMissingLogged) {
      poolMissingLogged = true;
      LOG.warning("kubernetes: " + options.describe() + " not found (neither " + PoolApi.V1.apiVersion() + " nor "
          + PoolApi.V1ALPHA2.apiVersion() + "); no endpoints until it is created");
    } else if (present && poolMissingLogged) {
      poolMissingLogged = false;
      LOG.info("kubernetes: " + options.describe() + " found");
    }
  }

  @Override
  public EndpointSet current() {
    return SnapshotPublisher.currentOf(publisher);
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
    pools.values().forEach(SharedIndexInformer::stop);
  }
}
