package dev.loadfuse.picker.kubernetes;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.requestHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.setHeader;
import static dev.loadfuse.picker.testing.MockApiServer.OBJECTIVES;
import static dev.loadfuse.picker.testing.MockApiServer.POOLS_V1;
import static dev.loadfuse.picker.testing.MockApiServer.POOLS_V1ALPHA2;
import static dev.loadfuse.picker.testing.MockApiServer.REWRITES;
import static dev.loadfuse.picker.testing.MockApiServer.pod;
import static dev.loadfuse.picker.testing.MockApiServer.resource;
import static dev.loadfuse.picker.testing.MockApiServer.v1Pool;
import static dev.loadfuse.picker.testing.MockApiServer.v1alpha2Pool;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loadfuse.common.testing.Closing;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions;
import dev.loadfuse.picker.server.PickerServer;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.picker.server.PickerOptions;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.FakeEngineServer;
import dev.loadfuse.picker.testing.MockApiServer;
import dev.loadfuse.sidecar.api.LoadVector;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The picker in Kubernetes mode, end to end: fabric8's mock API server (CRUD) holds the pools,
 * pods and routing objects; a real picker (informers, datastore, in-process sidecar, ext_proc and
 * health servers) watches it; grpc-java clients ask it as Envoy would.
 */
class KubernetesModeTest {

  private static final String NS = "llm";
  private static final String RUNTIME = "inference.networking.x-k8s.io/model-server-runtime";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MockApiServer api = new MockApiServer();
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private Vertx vertx;
  private PickerServer picker;
  private ManagedChannel channel;

  @AfterEach
  void stopAll() throws Exception {
    Closing.ifOpen(channel, c -> c.shutdownNow().awaitTermination(10, TimeUnit.SECONDS));
    Closing.all(picker);
    Closing.all(toClose.toArray(AutoCloseable[]::new));
    Closing.ifOpen(vertx, v -> v.close().await(20, TimeUnit.SECONDS));
    api.close();
  }

  private PickerServer start(KubernetesDiscoveryOptions options) throws Exception {
    return start(options, api.client);
  }

  private PickerServer start(KubernetesDiscoveryOptions options, KubernetesClient client) throws Exception {
    vertx = Vertx.vertx();
    // Kubernetes mode with the in-process sidecar, TLS off, one ext_proc server, the shortest resync.
    PickerOptions settings = new PickerOptions().setConfig(new ConfigLoader(InTreePlugins.registry()).defaults())
        .setPoolNamespace(options.namespace()).setKubernetesResyncPeriod(java.time.Duration.ofSeconds(1))
        .setSecureServing(false).setExtProcServers(1).setGpuProbe(GpuProbeKind.NONE).setEphemeralPorts();
    if (options.selector() != null) {
      settings.setEndpointSelector(options.selector()).setEndpointTargetPorts(options.targetPorts());
    } else {
      settings.setPoolName(options.poolName());
    }
    picker = PickerServer.start(vertx, settings, client).await(30, TimeUnit.SECONDS);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", picker.grpcPort()).usePlaintext().build();
    return picker;
  }

  private Set<String> candidates() {
    return Arrays.stream(picker.datastore().routable()).map(EndpointState::hostPort)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private void awaitCandidates(String... hostPorts) {
    Set<String> want = new TreeSet<>(List.of(hostPorts));
    Await.until("candidates " + want + " (now " + candidates() + ")", () -> candidates().equals(want));
  }

  private ServingStatus health() throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", picker.grpcHealthPort()).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService("envoy.service.ext_proc.v3.ExternalProcessor").build())
          .getStatus();
    } finally {
      ch.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
  }

  /** A header-only request: the destination the picker chose. */
  private String routeHeaderOnly() {
    try (EnvoyStream s = new EnvoyStream(channel)) {
      s.send(requestHeaders(true, ":method", "GET", ":path", "/v1/models"));
      return setHeader(s.next().getRequestHeaders().getResponse().getHeaderMutation(), "x-gateway-destination-endpoint");
    }
  }

  /** A completion for {@code model}: the model of the body the picker forwards. */
  private String forwardedModel(String model) throws Exception {
    try (EnvoyStream s = new EnvoyStream(channel)) {
      s.send(post("/v1/completions"));
      s.send(requestBody("{\"model\":\"" + model + "\",\"prompt\":\"hi\"}", true));
      ByteArrayOutputStream body = new ByteArrayOutputStream();
      for (ProcessingResponse r : s.untilRequestBodyEnd()) {
        assertThat(r.hasImmediateResponse()).as("immediate response %s", r).isFalse();
        if (r.hasRequestBody()) {
          body.writeBytes(r.getRequestBody().getResponse().getBodyMutation().getStreamedResponse().getBody().toByteArray());
        }
      }
      return JSON.readTree(body.toByteArray()).get("model").asText();
    }
  }

  private static Map<String, Object> rewriteSpec(String pool, String model, String target) {
    return Map.of("poolRef", Map.of("name", pool), "rules", List.of(Map.of(
        "matches", List.of(Map.of("model", Map.of("type", "Exact", "value", model))),
        "targets", List.of(Map.of("modelRewrite", target, "weight", 1)))));
  }

  // ---- endpoints ----

  @Test
  void v1Pool_servingPodsAreCandidates_readyNotReadyTerminatingDeletedApplyAtOnce() throws Exception {
    api.create(POOLS_V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of(RUNTIME, "vllm")));
    api.create(pod(NS, "vllm-0", Map.of("app", "vllm", "tier", "gpu"), true, "10.0.0.1"));
    api.create(pod(NS, "vllm-1", Map.of("app", "vllm"), false, "10.0.0.2"));
    api.create(pod(NS, "other", Map.of("app", "sglang"), true, "10.0.0.3"));
    api.create(pod("elsewhere", "vllm-9", Map.of("app", "vllm"), true, "10.0.0.9"));
    Pod finalized = pod(NS, "vllm-2", Map.of("app", "vllm"), true, "10.0.0.4");
    finalized.getMetadata().setFinalizers(List.of("loadfuse.dev/test")); // deletion only marks it terminating
    api.create(finalized);

    start(KubernetesDiscoveryOptions.forPool(NS, "pool"));
    awaitCandidates("10.0.0.1:8000", "10.0.0.4:8000");
    assertThat(health()).isEqualTo(ServingStatus.SERVING);
    EndpointState first = picker.datastore().get("10.0.0.1:8000");
    assertThat(first.id().name()).isEqualTo("vllm-0");
    assertThat(first.id().pool()).isEqualTo("llm/pool");
    assertThat(first.labels()).isEqualTo(Map.of("app", "vllm", "tier", "gpu"));

    api.setReady(NS, "vllm-1", true);
    awaitCandidates("10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.4:8000");
    api.setReady(NS, "vllm-0", false);
    awaitCandidates("10.0.0.2:8000", "10.0.0.4:8000");
    api.deletePod(NS, "vllm-2");
    awaitCandidates("10.0.0.2:8000");
    assertThat(routeHeaderOnly()).isEqualTo("10.0.0.2:8000");

    api.deletePod(NS, "vllm-1");
    awaitCandidates();
    // As the reference: the pool is known, so the health port stays SERVING with no pods (a
    // liveness probe must not restart the picker while model servers start).
    assertThat(health()).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void v1alpha2Pool_selectorMapAndTargetPortNumber() throws Exception {
    api.create(POOLS_V1ALPHA2, v1alpha2Pool(NS, "old", Map.of("app", "sglang"), 30000));
    api.create(pod(NS, "sg-0", Map.of("app", "sglang"), true, "10.0.0.5"));
    start(KubernetesDiscoveryOptions.forPool(NS, "old"));
    awaitCandidates("10.0.0.5:30000");
    assertThat(picker.datastore().get("10.0.0.5:30000").id().name()).isEqualTo("sg-0");
    assertThat(routeHeaderOnly()).isEqualTo("10.0.0.5:30000");
  }

  @Test
  void v1PoolWithSeveralPorts_oneEndpointPerRank_andSelectorOrPortsChangeReselects() throws Exception {
    api.create(POOLS_V1, v1Pool(NS, "dp", Map.of("app", "a"), List.of(8000, 8001), Map.of()));
    api.create(pod(NS, "a-0", Map.of("app", "a"), true, "10.0.0.1"));
    api.create(pod(NS, "b-0", Map.of("app", "b"), true, "10.0.0.2"));
    start(KubernetesDiscoveryOptions.forPool(NS, "dp"));
    awaitCandidates("10.0.0.1:8000", "10.0.0.1:8001");
    assertThat(picker.datastore().get("10.0.0.1:8001").id().name()).isEqualTo("a-0-rank-1");

    api.setSpec(POOLS_V1, NS, "dp", Map.of("selector", Map.of("matchLabels", Map.of("app", "b")),
        "targetPorts", List.of(Map.of("number", 9000))));
    awaitCandidates("10.0.0.2:9000");
    assertThat(picker.datastore().get("10.0.0.2:9000").id().name()).isEqualTo("b-0");

    api.delete(POOLS_V1, NS, "dp");
    awaitCandidates();
    Await.until("NOT_SERVING once the pool is gone", () -> {
      try {
        return health() == ServingStatus.NOT_SERVING;
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
    });
  }

  @Test
  void poolMissing_startsNotServing_thenPicksUpThePool() throws Exception {
    // The one log line while it is missing is the discovery's (KubernetesEndpointDiscoveryTest).
    api.create(pod(NS, "vllm-0", Map.of("app", "vllm"), true, "10.0.0.1"));

    start(KubernetesDiscoveryOptions.forPool(NS, "pool"));
    assertThat(candidates()).isEmpty();
    assertThat(health()).isEqualTo(ServingStatus.NOT_SERVING);
    api.create(pod(NS, "vllm-1", Map.of("app", "vllm"), true, "10.0.0.2"));
    api.create(POOLS_V1, v1Pool(NS, "another-pool", Map.of("app", "vllm"), List.of(8000), Map.of()));

    api.create(POOLS_V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    awaitCandidates("10.0.0.1:8000", "10.0.0.2:8000");
    assertThat(health()).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void endpointSelectorMode_withoutCrds() throws Exception {
    // No CRDs at all: every custom resource path answers 404, as an API server without them does.
    for (String plural : List.of("inferenceobjectives", "inferencemodelrewrites")) {
      api.server.expect().get()
          .withPath("/apis/inference.networking.x-k8s.io/v1alpha2/namespaces/" + NS + "/" + plural + "?resourceVersion=0")
          .andReturn(404, new StatusBuilder().withCode(404).withReason("NotFound")
              .withMessage("the server could not find the requested resource").build())
          .always();
    }
    api.create(pod(NS, "vllm-0", Map.of("app", "vllm", "tier", "gpu"), true, "10.0.0.1"));
    api.create(pod(NS, "vllm-1", Map.of("app", "vllm"), true, "10.0.0.2")); // lacks tier=gpu
    start(KubernetesDiscoveryOptions.forSelector(NS, Map.of("app", "vllm", "tier", "gpu"), List.of(8000, 8001)));
    awaitCandidates("10.0.0.1:8000", "10.0.0.1:8001");
    assertThat(picker.datastore().get("10.0.0.1:8000").id().pool()).isEqualTo("llm/endpoint-selector");
    assertThat(picker.datastore().get("10.0.0.1:8000").id().name()).isEqualTo("vllm-0-rank-0");
    assertThat(picker.routing().current().rewrites().isEmpty()).isTrue();

    api.create(pod(NS, "vllm-2", Map.of("app", "vllm", "tier", "gpu"), true, "10.0.0.3"));
    awaitCandidates("10.0.0.1:8000", "10.0.0.1:8001", "10.0.0.3:8000", "10.0.0.3:8001");
    api.setReady(NS, "vllm-0", false);
    awaitCandidates("10.0.0.3:8000", "10.0.0.3:8001");
  }

  @Test
  void unreachableApiServer_startFailsNamingIt() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    KubernetesClient dead = new KubernetesClientBuilder().withConfig(new ConfigBuilder()
        .withMasterUrl("http://127.0.0.1:" + port).withRequestRetryBackoffLimit(0).build()).build();
    toClose.add(dead);
    assertThatThrownBy(() -> start(KubernetesDiscoveryOptions.forPool(NS, "pool"), dead))
        .hasMessageStartingWith("kubernetes: cannot list ")
        .hasMessageContaining(" from http://127.0.0.1:" + port + "/: ConnectException");
  }

  // ---- the in-process sidecar ----

  @Test
  void inProcessSidecar_scrapesThePoolsPods_engineFromThePoolAnnotation() throws Exception {
    Vertx engines = Vertx.vertx();
    toClose.add(() -> engines.close().await(10, TimeUnit.SECONDS));
    FakeEngineServer sglang = FakeEngineServer.start(engines, FakeEngineServer.Format.SGLANG).load(3, 1, 0.25);
    api.create(POOLS_V1, v1Pool(NS, "pool", Map.of("app", "sglang"), List.of(sglang.port()), Map.of(RUNTIME, "sglang")));
    api.create(pod(NS, "sg-0", Map.of("app", "sglang"), true, "127.0.0.1"));
    start(KubernetesDiscoveryOptions.forPool(NS, "pool"));
    String hostPort = "127.0.0.1:" + sglang.port();
    Await.until("a vector from the SGLang page", () -> {
      EndpointState s = picker.datastore().get(hostPort);
      return s != null && s.vector() != null && s.vector().waitingRequests() == 3;
    });
    LoadVector v = picker.datastore().get(hostPort).vector();
    assertThat(v.engine()).isEqualTo("sglang");
    assertThat(v.runningRequests()).isEqualTo(1);
    assertThat(v.kvCacheUsage()).isEqualTo(0.25);
  }

  // ---- routing objects ----

  @Test
  void rewritesAndObjectives_createdUpdatedDeleted_applyToTheNextRequest() throws Exception {
    api.create(POOLS_V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    api.create(pod(NS, "vllm-0", Map.of("app", "vllm"), true, "10.0.0.1"));
    api.create(OBJECTIVES, resource(OBJECTIVES, NS, "critical", Map.of(),
        Map.of("priority", 10, "poolRef", Map.of("name", "pool"))));
    api.create(OBJECTIVES, resource(OBJECTIVES, NS, "theirs", Map.of(),
        Map.of("priority", -5, "poolRef", Map.of("name", "other-pool"))));
    start(KubernetesDiscoveryOptions.forPool(NS, "pool"));
    awaitCandidates("10.0.0.1:8000");
    assertThat(picker.routing().current().priorities()).isEqualTo(Map.of("critical", 10));
    assertThat(forwardedModel("food")).isEqualTo("food");

    api.create(REWRITES, resource(REWRITES, NS, "canary", Map.of(), rewriteSpec("pool", "food", "food-v2")));
    api.create(REWRITES, resource(REWRITES, NS, "theirs", Map.of(), rewriteSpec("other-pool", "bar", "bar-v2")));
    Await.until("the rewrite", () -> picker.routing().current().rewrites().ruleFor("food") != null);
    assertThat(forwardedModel("food")).isEqualTo("food-v2");
    assertThat(forwardedModel("bar")).isEqualTo("bar"); // another pool's rewrite

    api.setSpec(REWRITES, NS, "canary", rewriteSpec("pool", "food", "food-v3"));
    Await.until("the updated rewrite", () -> "food-v3".equals(
        picker.routing().current().rewrites().ruleFor("food").targets().getFirst().model()));
    assertThat(forwardedModel("food")).isEqualTo("food-v3");

    api.setSpec(OBJECTIVES, NS, "critical", Map.of("priority", -1, "poolRef", Map.of("name", "pool")));
    Await.until("the updated objective", () -> picker.routing().current().priority("critical") == -1);

    api.delete(REWRITES, NS, "canary");
    api.delete(OBJECTIVES, NS, "critical");
    Await.until("the deletions", () -> picker.routing().current().rewrites().isEmpty()
        && picker.routing().current().priorities().isEmpty());
    assertThat(forwardedModel("food")).isEqualTo("food");
  }

  @Test
  void invalidRoutingObject_isLeftOut_othersStay() throws Exception {
    api.create(POOLS_V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    api.create(pod(NS, "vllm-0", Map.of("app", "vllm"), true, "10.0.0.1"));
    api.create(REWRITES, resource(REWRITES, NS, "good", Map.of(), rewriteSpec("pool", "food", "food-v2")));
    Map<String, Object> bad = Map.of("poolRef", Map.of("name", "pool"), "rules", List.of(Map.of(
        "targets", List.of(Map.of("modelRewrite", "x", "weight", 0)))));
    api.create(REWRITES, resource(REWRITES, NS, "bad", Map.of(), bad));
    start(KubernetesDiscoveryOptions.forPool(NS, "pool"));
    awaitCandidates("10.0.0.1:8000");
    assertThat(forwardedModel("food")).isEqualTo("food-v2");
    assertThat(forwardedModel("anything")).isEqualTo("anything"); // the bad match-all rule is not in force
  }
}
