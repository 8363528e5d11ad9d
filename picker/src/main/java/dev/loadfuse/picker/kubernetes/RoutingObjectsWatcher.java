package dev.loadfuse.picker.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.discovery.kubernetes.Informers;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions;
import dev.loadfuse.discovery.kubernetes.SerialWorker;
import dev.loadfuse.picker.routing.ObjectsFile;
import dev.loadfuse.picker.routing.RoutingObjects;
import dev.loadfuse.picker.routing.RoutingTable;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Logger;

/**
 * Keeps a {@link RoutingTable} equal to the InferenceObjectives and InferenceModelRewrites ({@code
 * inference.networking.x-k8s.io/v1alpha2}) of the namespace whose {@code spec.poolRef.name} is the
 * picker's pool (or that name no pool); in selector mode, all of the namespace. Changes apply to
 * the next request, without restart.
 *
 * <p>Objects are read with the same strict reader as {@code --objects-file} ({@link
 * ObjectsFile#fromObjects}); an invalid one is logged once and left out, the others stay in force.
 * Rewrites are ordered by {@code creationTimestamp}, then name. A kind the server does not serve
 * (CRD not installed) is logged and retried; until then it contributes nothing.
 *
 * <p><b>Threading.</b> The lifecycle of the endpoint discovery ({@link Informers}, {@link
 * SerialWorker}): informer callbacks only schedule; one daemon thread ({@code
 * loadfuse-picker-k8s-objects}) rebuilds and replaces the table. The client is the caller's.
 */
public final class RoutingObjectsWatcher implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(RoutingObjectsWatcher.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  static final ResourceDefinitionContext OBJECTIVES = context(ObjectsFile.OBJECTIVE, "inferenceobjectives");
  static final ResourceDefinitionContext REWRITES = context(ObjectsFile.REWRITE, "inferencemodelrewrites");

  private final KubernetesClient client;
  private final KubernetesDiscoveryOptions options;
  private final RoutingTable table;
  private final SerialWorker worker;
  private final List<SharedIndexInformer<GenericKubernetesResource>> informers = new ArrayList<>();

  // Confined to the worker thread.
  private Set<String> reported = Set.of();

  public RoutingObjectsWatcher(KubernetesClient client, KubernetesDiscoveryOptions options, RoutingTable table) {
    this.client = Objects.requireNonNull(client, "client");
    this.options = Objects.requireNonNull(options, "options");
    this.table = Objects.requireNonNull(table, "table");
    this.worker = new SerialWorker("loadfuse-picker-k8s-objects", this::rebuild);
  }

  private static ResourceDefinitionContext context(String kind, String plural) {
    return new ResourceDefinitionContext.Builder()
        .withGroup("inference.networking.x-k8s.io")
        .withVersion("v1alpha2")
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(true)
        .build();
  }

  /**
   * Starts watching; completes once both kinds are listed (or not served) and the table holds
   * them. Fails when a listing fails otherwise (unreachable API server, RBAC).
   */
  public CompletableFuture<Void> start() {
    String server = String.valueOf(client.getMasterUrl());
    long resync = options.resyncPeriod().toMillis();
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    try {
      for (ResourceDefinitionContext kind : List.of(OBJECTIVES, REWRITES)) {
        SharedIndexInformer<GenericKubernetesResource> informer =
            client.genericKubernetesResources(kind).inNamespace(options.namespace()).runnableInformer(resync);
        informers.add(informer);
        ready.add(Informers.start(informer, kind.getKind() + "s " + kind.getGroup() + "/" + kind.getVersion()
            + " in namespace " + options.namespace(), server, true, worker, LOG::warning));
      }
    } catch (RuntimeException e) {
      close();
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).handleAsync((ok, t) -> {
      if (t != null) {
        close();
        throw new java.util.concurrent.CompletionException(Problems.unwrap(t));
      }
      worker.arm();
      rebuild();
      return null;
    }, worker);
  }

  // On the worker thread only.
  private void rebuild() {
    List<JsonNode> trees = new ArrayList<>();
    List<String> where = new ArrayList<>();
    for (int k = 0; k < informers.size(); k++) {
      ResourceDefinitionContext kind = k == 0 ? OBJECTIVES : REWRITES;
      List<GenericKubernetesResource> objects = new ArrayList<>(informers.get(k).getStore().list());
      // Name order, so that rewrites created in the same second rank the same way every time.
      objects.sort(Comparator.comparing(r -> r.getMetadata().getName()));
      for (GenericKubernetesResource r : objects) {
        ObjectNode tree = JSON.valueToTree(r);
        // List items may come without them; the informer says what they are.
        tree.put("apiVersion", kind.getGroup() + "/" + kind.getVersion());
        tree.put("kind", kind.getKind());
        trees.add(tree);
        where.add("kubernetes: namespace " + r.getMetadata().getNamespace());
      }
    }
    Set<String> problems = new LinkedHashSet<>();
    RoutingObjects next = ObjectsFile.fromObjects(trees, where, options.poolName(),
        e -> problems.add(e.getMessage() + "; object ignored"));
    table.replace(next);
    for (String p : problems) {
      if (!reported.contains(p)) {
        LOG.warning(p);
      }
    }
    reported = problems;
  }

  @Override
  public void close() {
    worker.close();
    informers.forEach(SharedIndexInformer::stop);
  }
}
