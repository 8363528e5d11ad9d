package dev.loadfuse.picker.testing;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodConditionBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;

/**
 * fabric8's mock API server in CRUD mode (plus recorded expectations, which win while they last),
 * a client to it, and builders for the objects the picker reads.
 *
 * <p>Shut down in the background, as in the sidecar's tests: with Vert.x 5, fabric8 7.8.0's mock
 * server can deadlock for 30 s when a watch closes while an event is being sent.
 */
public final class MockApiServer implements AutoCloseable {

  public static final ResourceDefinitionContext POOLS_V1 = crd("inference.networking.k8s.io", "v1", "InferencePool", "inferencepools");
  public static final ResourceDefinitionContext POOLS_V1ALPHA2 =
      crd("inference.networking.x-k8s.io", "v1alpha2", "InferencePool", "inferencepools");
  public static final ResourceDefinitionContext OBJECTIVES =
      crd("inference.networking.x-k8s.io", "v1alpha2", "InferenceObjective", "inferenceobjectives");
  public static final ResourceDefinitionContext REWRITES =
      crd("inference.networking.x-k8s.io", "v1alpha2", "InferenceModelRewrite", "inferencemodelrewrites");

  public final KubernetesMockServer server;
  public final KubernetesClient client;

  @SuppressWarnings("deprecation") // Serialization.jsonMapper(): what fabric8's own extension uses
  public MockApiServer() {
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), expectations,
        new KubernetesMixedDispatcher(expectations), false);
    server.init(); // ephemeral port
    client = server.createClient(b -> b.editOrNewConfig().withWatchReconnectInterval(20)
        .withRequestRetryBackoffLimit(0).endConfig());
  }

  private static ResourceDefinitionContext crd(String group, String version, String kind, String plural) {
    return new ResourceDefinitionContext.Builder().withGroup(group).withVersion(version).withKind(kind)
        .withPlural(plural).withNamespaced(true).build();
  }

  // ---- pods ----

  public static Pod pod(String ns, String name, Map<String, String> labels, boolean ready, String ip) {
    return new PodBuilder()
        .withNewMetadata().withNamespace(ns).withName(name).withLabels(labels).endMetadata()
        .withNewSpec().withNodeName("node-a").addNewContainer().withName("server").withImage("vllm").endContainer()
        .endSpec()
        .withNewStatus().withPodIP(ip).addNewCondition().withType("Ready").withStatus(ready ? "True" : "False")
        .endCondition().endStatus()
        .build();
  }

  public void create(Pod pod) {
    client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
  }

  public void setReady(String ns, String name, boolean ready) {
    client.pods().inNamespace(ns).withName(name).editStatus(p -> new PodBuilder(p).editStatus()
        .withConditions(List.of(new PodConditionBuilder().withType("Ready").withStatus(ready ? "True" : "False").build()))
        .endStatus().build());
  }

  public void deletePod(String ns, String name) {
    client.pods().inNamespace(ns).withName(name).delete();
  }

  // ---- custom resources ----

  public static GenericKubernetesResource v1Pool(String ns, String name, Map<String, String> matchLabels,
      List<Integer> ports, Map<String, String> annotations) {
    return resource(POOLS_V1, ns, name, annotations, Map.of(
        "selector", Map.of("matchLabels", matchLabels),
        "targetPorts", ports.stream().map(p -> Map.of("number", p)).toList(),
        "endpointPickerRef", Map.of("name", "epp", "port", Map.of("number", 9002))));
  }

  public static GenericKubernetesResource v1alpha2Pool(String ns, String name, Map<String, String> selector, int port) {
    return resource(POOLS_V1ALPHA2, ns, name, Map.of(), Map.of(
        "selector", selector, "targetPortNumber", port, "extensionRef", Map.of("name", "epp")));
  }

  public static GenericKubernetesResource resource(ResourceDefinitionContext kind, String ns, String name,
      Map<String, String> annotations, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(kind.getGroup() + "/" + kind.getVersion())
        .withKind(kind.getKind())
        .withNewMetadata().withNamespace(ns).withName(name).withAnnotations(annotations).endMetadata()
        .addToAdditionalProperties("spec", spec)
        .build();
  }

  public void create(ResourceDefinitionContext kind, GenericKubernetesResource r) {
    client.genericKubernetesResources(kind).inNamespace(r.getMetadata().getNamespace()).resource(r).create();
  }

  /** Replaces the spec of an existing object. */
  public void setSpec(ResourceDefinitionContext kind, String ns, String name, Map<String, Object> spec) {
    client.genericKubernetesResources(kind).inNamespace(ns).withName(name).edit(r -> {
      r.setAdditionalProperty("spec", spec);
      return r;
    });
  }

  public void delete(ResourceDefinitionContext kind, String ns, String name) {
    client.genericKubernetesResources(kind).inNamespace(ns).withName(name).delete();
  }

  @Override
  public void close() {
    client.close();
    Thread.ofPlatform().daemon().name("mock-api-server-shutdown").start(() -> {
      try {
        server.destroy();
      } catch (IllegalStateException e) {
        // "Unable to close MockWebServer": the mock's deadlock described above.
      }
    });
  }
}
