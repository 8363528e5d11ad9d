package dev.loadfuse.sidecar.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loadfuse.common.testing.Await;
import dev.loadfuse.common.testing.Closing;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.sidecar.SidecarOptions;
import dev.loadfuse.sidecar.SidecarVerticle;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions;
import dev.loadfuse.discovery.kubernetes.KubernetesEndpointDiscovery;
import dev.loadfuse.discovery.kubernetes.PoolApi;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar in Kubernetes mode, end to end: a pod selected by an InferencePool on this node
 * (fabric8's mock API server), its GPU from the kubelet's PodResources API (a fake kubelet on a
 * unix socket), its SGLang metrics from a real HTTP server, and the mock GPU probe: the vector
 * carries the engine values and the GPU the kubelet gave the pod.
 */
class KubernetesModeSidecarTest {

  private static final String NODE = "node-a";
  private static final String NS = "llm";
  private static final String GPU = "GPU-1b2c3d4e-0000-0000-0000-0000000000aa";

  @TempDir Path dir;
  private KubernetesMockServer server;
  private KubernetesClient client;
  private Vertx vertx;
  private FakeKubelet kubelet;
  private PodResourcesGpuAttribution attribution;

  @BeforeEach
  @SuppressWarnings("deprecation") // Serialization.jsonMapper(): what fabric8's own extension uses
  void setUp() {
    assumeTrue(Epoll.isAvailable(), "unix sockets need Linux epoll");
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(),
        expectations, new KubernetesMixedDispatcher(expectations), false);
    server.init();
    client = server.createClient(b -> b.editOrNewConfig().withWatchReconnectInterval(20).withRequestRetryBackoffLimit(0).endConfig());
    vertx = Vertx.vertx();
  }

  @AfterEach
  void tearDown() throws Exception {
    Closing.ifOpen(vertx, v -> v.close().await(20, TimeUnit.SECONDS));
    Closing.all(attribution, kubelet, client);
    if (server != null) {
      KubernetesMockServer s = server;
      // The mock's shutdown can block on Vert.x 5 (see KubernetesEndpointDiscoveryTest).
      Thread.ofPlatform().daemon().start(() -> {
        try {
          s.destroy();
        } catch (IllegalStateException ignored) {
          // "Unable to close MockWebServer"
        }
      });
    }
  }

  @Test
  void podOnThisNode_getsItsEngineValuesAndTheGpuTheKubeletGaveIt() throws Exception {
    byte[] page;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/metrics/sglang-docs-production-metrics.prom")) {
      page = in.readAllBytes();
    }
    int port = vertx.createHttpServer().requestHandler(r -> r.response().end(Buffer.buffer(page)))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();

    client.genericKubernetesResources(PoolApi.V1.context()).inNamespace(NS).resource(new GenericKubernetesResourceBuilder()
        .withApiVersion(PoolApi.V1.apiVersion()).withKind("InferencePool")
        .withNewMetadata().withNamespace(NS).withName("pool")
        .withAnnotations(Map.of("inference.networking.x-k8s.io/model-server-runtime", "sglang")).endMetadata()
        .addToAdditionalProperties("spec", Map.of(
            "selector", Map.of("matchLabels", Map.of("app", "llm")),
            "targetPorts", List.of(Map.of("number", port)),
            "endpointPickerRef", Map.of("name", "epp", "port", Map.of("number", 9002))))
        .build()).create();
    client.pods().inNamespace(NS).resource(new PodBuilder()
        .withNewMetadata().withNamespace(NS).withName("sglang-0").withLabels(Map.of("app", "llm")).endMetadata()
        .withNewSpec().withNodeName(NODE).addNewContainer().withName("server").withImage("sglang").endContainer().endSpec()
        .withNewStatus().withPodIP("127.0.0.1").addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
        .build()).create();

    Path socket = dir.resolve("kubelet.sock");
    kubelet = FakeKubelet.serving(socket);
    kubelet.answer = FakeKubelet.Answer.of(PodResourcesClientTest.response(
        PodResourcesClientTest.pod(NS, "sglang-0",
            PodResourcesClientTest.container("server", PodResourcesClientTest.devices("nvidia.com/gpu", GPU)))));
    attribution = new PodResourcesGpuAttribution(new PodResourcesClient(PodResourcesOptions.DEFAULTS.withSocket(socket)));
    attribution.refresh().get(20, TimeUnit.SECONDS);

    Path gpus = Files.writeString(dir.resolve("gpus.yaml"), """
        gpus:
          - uuid: %s
            name: NVIDIA L4
            gpuUtilization: 0.25
        """.formatted(GPU));
    SidecarVerticle sidecar = new SidecarVerticle(new SidecarOptions()
        .setDiscovery(new KubernetesEndpointDiscovery(client, KubernetesDiscoveryOptions.forNode(NODE).withNodeFieldSelector(false)))
        .setGpuAttribution(attribution::attribute)
        .setCustomGpuProbe(GpuProbes.mock(gpus))
        .setScrapeInterval(Duration.ofMillis(20))
        .setGpuSampleInterval(Duration.ofMillis(20))
        .setHttp(false));
    vertx.deployVerticle(sidecar).await(30, TimeUnit.SECONDS);

    LoadVector v = await(sidecar, x -> x.engineSampledAtMillis() > 0 && !x.gpus().isEmpty());
    assertThat(v.endpoint().name()).isEqualTo("sglang-0");
    assertThat(v.endpoint().pool()).isEqualTo(NS + "/pool");
    assertThat(v.engine()).isEqualTo("sglang"); // from the pool annotation
    assertThat(v.waitingRequests()).isEqualTo(2826);
    assertThat(v.gpus().getFirst().uuid()).isEqualTo(GPU);
    assertThat(v.gpus().getFirst().gpuUtilization().getAsDouble()).isEqualTo(0.25);
    assertThat(v.healthy()).isTrue();

    // The pod is deleted: its endpoint leaves at once.
    client.pods().inNamespace(NS).withName("sglang-0").delete();
    Await.until("the deleted pod's endpoint to leave", () -> sidecar.vectors().isEmpty());
  }

  private static LoadVector await(SidecarVerticle sidecar, Predicate<LoadVector> condition) {
    return Await.value("a vector that matches", sidecar::vectors, vs -> vs.stream().anyMatch(condition))
        .stream().filter(condition).findFirst().orElseThrow();
  }
}
