package dev.loadfuse.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PodRef;
import dev.loadfuse.discovery.PoolRef;
import dev.loadfuse.discovery.RecordingListener;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against fabric8's mock API server in CRUD mode (with expectations where a test needs an error).
 *
 * <p>The server is built here rather than with {@code @EnableKubernetesMockClient} because its
 * shutdown must not be awaited. With Vert.x 5, fabric8 7.8.0's mock server can deadlock when a
 * watch closes while it is still sending an event: {@code WatchEventsListener.onClosed} blocks
 * the event loop waiting for its sender thread, which blocks waiting for the event loop to
 * complete the write, until the write's 30 s timeout. It happens in under 1 % of teardowns
 * (usually right after the initial ADDED events of a new watch) and made the extension's
 * teardown fail with "Unable to close MockWebServer". Each test has its own server, so it is
 * shut down in the background; a stuck one frees itself after 30 s.
 */
class KubernetesEndpointDiscoveryTest {

  private static final String NODE = "node-a";
  private static final String NS = "llm";

  private KubernetesMockServer server;
  private KubernetesClient client;

  private final RecordingListener listener = new RecordingListener();
  private KubernetesEndpointDiscovery discovery;

  @BeforeEach
  @SuppressWarnings("deprecation") // Serialization.jsonMapper(): what fabric8's own extension uses
  void startServer() {
    // CRUD, plus the expectations a test records (they win while they last).
    Map<ServerRequest, Queue<ServerResponse>> expectations = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(Serialization.jsonMapper()),
            new MockWebServer(),
            expectations,
            new KubernetesMixedDispatcher(expectations),
            false);
    server.init(); // ephemeral port
    client =
        server.createClient(
            b -> b.editOrNewConfig().withWatchReconnectInterval(20).withRequestRetryBackoffLimit(0).endConfig());
  }

  @AfterEach
  void stopAll() {
    if (discovery != null) {
      discovery.close();
    }
    client.close();
    destroyInBackground(server);
  }

  private static void destroyInBackground(KubernetesMockServer server) {
    Thread.ofPlatform()
        .daemon()
        .name("mock-api-server-shutdown")
        .start(
            () -> {
              try {
                server.destroy();
              } catch (IllegalStateException e) {
                // "Unable to close MockWebServer": the mock's deadlock described above.
              }
            });
  }

  // The CRUD mock cannot filter on spec.nodeName; the node is also checked client side.
  private static KubernetesDiscoveryOptions options() {
    return KubernetesDiscoveryOptions.forNode(NODE).withNodeFieldSelector(false);
  }

  private EndpointSet start(KubernetesDiscoveryOptions options) throws Exception {
    discovery = new KubernetesEndpointDiscovery(client, options);
    EndpointSet first = discovery.start(listener).get(RecordingListener.WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(listener.nextSet()).isEqualTo(first);
    return first;
  }

  // ---- fixtures ----

  private static Pod pod(String ns, String name, String node, Map<String, String> labels, boolean ready, String ip) {
    return new PodBuilder()
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withNodeName(node)
        .addNewContainer()
        .withName("server")
        .withImage("vllm")
        .endContainer()
        .endSpec()
        .withNewStatus()
        .withPodIP(ip)
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .endCondition()
        .endStatus()
        .build();
  }

  private void create(Pod pod) {
    client.pods().inNamespace(pod.getMetadata().getNamespace()).resource(pod).create();
  }

  private void setReady(String ns, String name, boolean ready) {
    client
        .pods()
        .inNamespace(ns)
        .withName(name)
        .editStatus(
            p ->
                new PodBuilder(p)
                    .editStatus()
                    .withConditions(
                        List.of(
                            new io.fabric8.kubernetes.api.model.PodConditionBuilder()
                                .withType("Ready")
                                .withStatus(ready ? "True" : "False")
                                .build()))
                    .endStatus()
                    .build());
  }

  private static GenericKubernetesResource v1Pool(
      String ns, String name, Map<String, String> matchLabels, List<Integer> ports, Map<String, String> annotations) {
    return pool(PoolApi.V1, ns, name, annotations, Map.of(
        "selector", Map.of("matchLabels", matchLabels),
        "targetPorts", ports.stream().map(p -> Map.of("number", p)).toList(),
        "endpointPickerRef", Map.of("name", "epp", "port", Map.of("number", 9002))));
  }

  private static GenericKubernetesResource v1alpha2Pool(String ns, String name, Map<String, String> selector, int port) {
    return pool(PoolApi.V1ALPHA2, ns, name, null,
        Map.of("selector", selector, "targetPortNumber", port, "extensionRef", Map.of("name", "epp")));
  }

  /** An InferencePool of {@code api}'s version with this {@code spec}; null {@code annotations} for none. */
  private static GenericKubernetesResource pool(
      PoolApi api, String ns, String name, Map<String, String> annotations, Map<String, Object> spec) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion(api.apiVersion())
        .withKind("InferencePool")
        .withNewMetadata()
        .withNamespace(ns)
        .withName(name)
        .withAnnotations(annotations)
        .endMetadata()
        .addToAdditionalProperties("spec", spec)
        .build();
  }

  private void create(PoolApi api, GenericKubernetesResource pool) {
    client.genericKubernetesResources(api.context()).inNamespace(pool.getMetadata().getNamespace()).resource(pool).create();
  }

  private static List<String> names(EndpointSet set) {
    return set.stream().map(e -> e.pool() + "/" + e.name()).toList();
  }

  // ---- tests ----

  @Test
  void podAdded_becomesReady_deleted() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000),
        Map.of("inference.networking.x-k8s.io/model-server-runtime", "vllm")));
    assertThat(start(options())).isEqualTo(EndpointSet.EMPTY);

    create(pod(NS, "vllm-0", NODE, Map.of("app", "vllm", "tier", "gpu"), false, "10.0.0.7"));
    setReady(NS, "vllm-0", true);
    EndpointSet set = listener.awaitSet(s -> s.size() == 1);
    Endpoint e = set.endpoints().getFirst();
    assertThat(e.name()).isEqualTo("vllm-0");
    assertThat(e.address()).isEqualTo("10.0.0.7");
    assertThat(e.port()).isEqualTo(8000);
    assertThat(e.metricsPort()).isEqualTo(8000);
    assertThat(e.metricsPath()).isEqualTo("/metrics");
    assertThat(e.pool()).isEqualTo(PoolRef.of(NS, "pool"));
    assertThat(e.labels()).isEqualTo(Map.of("app", "vllm", "tier", "gpu"));
    assertThat(e.poolAnnotations())
        .isEqualTo(Map.of("inference.networking.x-k8s.io/model-server-runtime", "vllm"));
    String uid = client.pods().inNamespace(NS).withName("vllm-0").get().getMetadata().getUid();
    assertThat(uid).isNotBlank();
    assertThat(e.pod()).isEqualTo(new PodRef(NS, "vllm-0", uid));
    assertThat(e.gpus()).isEmpty();
    assertThat(discovery.current()).isEqualTo(set);

    setReady(NS, "vllm-0", false);
    listener.awaitSet(EndpointSet::isEmpty);
    setReady(NS, "vllm-0", true);
    listener.awaitSet(s -> s.size() == 1);

    client.pods().inNamespace(NS).withName("vllm-0").delete();
    listener.awaitSet(EndpointSet::isEmpty);
    assertThat(listener.callers()).allMatch(t -> t.getName().equals("loadfuse-k8s-discovery"));
  }

  @Test
  void podWithoutIp_ignoredUntilItHasOne() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    create(pod(NS, "vllm-0", NODE, Map.of("app", "vllm"), true, null));
    assertThat(start(options())).isEqualTo(EndpointSet.EMPTY);
    client.pods().inNamespace(NS).withName("vllm-0")
        .editStatus(p -> new PodBuilder(p).editStatus().withPodIP("10.0.0.9").endStatus().build());
    assertThat(listener.awaitSet(s -> s.size() == 1).endpoints().getFirst().address()).isEqualTo("10.0.0.9");
  }

  @Test
  void podOnAnotherNode_ignored() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    create(pod(NS, "elsewhere", "node-b", Map.of("app", "vllm"), true, "10.0.1.1"));
    create(pod(NS, "unscheduled", null, Map.of("app", "vllm"), true, "10.0.1.2"));
    assertThat(start(options())).isEqualTo(EndpointSet.EMPTY);
    create(pod(NS, "here", NODE, Map.of("app", "vllm"), true, "10.0.0.1"));
    assertThat(names(listener.awaitSet(s -> !s.isEmpty()))).containsExactly(NS + "/pool/here");
  }

  @Test
  void poolSelectorChanged_reselects() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "a"), List.of(8000), Map.of()));
    create(pod(NS, "a-0", NODE, Map.of("app", "a"), true, "10.0.0.1"));
    create(pod(NS, "b-0", NODE, Map.of("app", "b"), true, "10.0.0.2"));
    assertThat(names(start(options()))).containsExactly(NS + "/pool/a-0");

    client.genericKubernetesResources(PoolApi.V1.context()).inNamespace(NS).withName("pool")
        .edit(p -> {
          p.setAdditionalProperty("spec", Map.of(
              "selector", Map.of("matchLabels", Map.of("app", "b")),
              "targetPorts", List.of(Map.of("number", 8000))));
          return p;
        });
    assertThat(names(listener.awaitSet(s -> names(s).contains(NS + "/pool/b-0"))))
        .containsExactly(NS + "/pool/b-0");

    client.genericKubernetesResources(PoolApi.V1.context()).inNamespace(NS).withName("pool").delete();
    listener.awaitSet(EndpointSet::isEmpty);
  }

  @Test
  void v1MultiplePorts_oneEndpointPerRank() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "dp", Map.of("app", "dp"), List.of(8000, 8001, 8002), Map.of()));
    create(pod(NS, "dp-0", NODE, Map.of("app", "dp"), true, "10.0.0.3"));
    EndpointSet set = start(options());
    assertThat(set.stream().map(e -> e.name() + "@" + e.port() + "/" + e.metricsPort()))
        .containsExactly("dp-0-rank-0@8000/8000", "dp-0-rank-1@8001/8001", "dp-0-rank-2@8002/8002");
    assertThat(set).allMatch(e -> e.pod().name().equals("dp-0"));
  }

  @Test
  void v1alpha2Pool_selectorMapAndTargetPortNumber() throws Exception {
    create(PoolApi.V1ALPHA2, v1alpha2Pool(NS, "old", Map.of("app", "sglang"), 30000));
    create(pod(NS, "sg-0", NODE, Map.of("app", "sglang"), true, "fd00::5"));
    EndpointSet set = start(options());
    assertThat(names(set)).containsExactly(NS + "/old/sg-0");
    Endpoint e = set.endpoints().getFirst();
    assertThat(e.port()).isEqualTo(30000);
    assertThat(e.metricsUri()).hasToString("http://[fd00::5]:30000/metrics");
  }

  @Test
  void podInTwoPools_yieldsAnEndpointInEach() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "chat", Map.of("app", "vllm"), List.of(8000), Map.of()));
    create(PoolApi.V1ALPHA2, v1alpha2Pool(NS, "batch", Map.of("tier", "gpu"), 8000));
    create(pod(NS, "vllm-0", NODE, Map.of("app", "vllm", "tier", "gpu"), true, "10.0.0.4"));
    assertThat(names(start(options()))).containsExactly(NS + "/batch/vllm-0", NS + "/chat/vllm-0");
  }

  @Test
  void poolSelectsOnlyItsOwnNamespace() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    create(pod("other", "vllm-0", NODE, Map.of("app", "vllm"), true, "10.0.0.5"));
    create(pod(NS, "vllm-1", NODE, Map.of("app", "vllm"), true, "10.0.0.6"));
    assertThat(names(start(options()))).containsExactly(NS + "/pool/vllm-1");
  }

  @Test
  void namespaceRestriction_ignoresOtherNamespaces() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    create(PoolApi.V1, v1Pool("other", "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    create(pod(NS, "vllm-0", NODE, Map.of("app", "vllm"), true, "10.0.0.5"));
    create(pod("other", "vllm-0", NODE, Map.of("app", "vllm"), true, "10.0.0.6"));
    assertThat(names(start(options().withNamespace(NS)))).containsExactly(NS + "/pool/vllm-0");
    assertThat(discovery.describe())
        .isEqualTo("kubernetes pods on node node-a in namespace llm, InferencePools "
            + "inference.networking.k8s.io/v1, inference.networking.x-k8s.io/v1alpha2");
  }

  @Test
  void terminatingPod_dropped() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    Pod p = pod(NS, "vllm-0", NODE, Map.of("app", "vllm"), true, "10.0.0.8");
    p.getMetadata().setFinalizers(List.of("loadfuse.dev/test")); // deletion only marks it
    create(p);
    assertThat(start(options()).size()).isEqualTo(1);

    client.pods().inNamespace(NS).withName("vllm-0").delete();
    listener.awaitSet(EndpointSet::isEmpty);
    assertThat(client.pods().inNamespace(NS).withName("vllm-0").get().getMetadata().getDeletionTimestamp())
        .as("still present, terminating")
        .isNotNull();
  }

  @Test
  void malformedPool_reportedOnceAndSkipped_othersKept() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "good", Map.of("app", "vllm"), List.of(8000), Map.of()));
    create(PoolApi.V1, v1Pool(NS, "nine", Map.of("app", "vllm"),
        List.of(8000, 8001, 8002, 8003, 8004, 8005, 8006, 8007, 8008), Map.of()));
    create(pod(NS, "vllm-0", NODE, Map.of("app", "vllm"), true, "10.0.0.1"));
    discovery = new KubernetesEndpointDiscovery(client, options());
    EndpointSet first = discovery.start(listener).get(RecordingListener.WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(names(first)).containsExactly(NS + "/good/vllm-0");
    assertThat(listener.nextSet()).isEqualTo(first);
    assertThat(listener.nextError())
        .hasMessage("kubernetes: InferencePool llm/nine (inference.networking.k8s.io/v1): "
            + "spec.targetPorts: 9 entries (expected: 1 to 8); pool skipped");

    // Another change recomputes; the same problem is not reported again.
    create(pod(NS, "vllm-1", NODE, Map.of("app", "vllm"), true, "10.0.0.2"));
    assertThat(names(listener.nextSet())).containsExactly(NS + "/good/vllm-0", NS + "/good/vllm-1");
  }

  @Test
  void samePoolInBothVersions_usesV1AndReports() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    create(PoolApi.V1ALPHA2, v1alpha2Pool(NS, "pool", Map.of("app", "vllm"), 9000));
    create(pod(NS, "vllm-0", NODE, Map.of("app", "vllm"), true, "10.0.0.1"));
    discovery = new KubernetesEndpointDiscovery(client, options());
    EndpointSet first = discovery.start(listener).get(RecordingListener.WAIT_SECONDS, TimeUnit.SECONDS);
    assertThat(first.endpoints()).singleElement().extracting(Endpoint::port).isEqualTo(8000);
    assertThat(listener.awaitError("exists as"))
        .hasMessage("kubernetes: InferencePool llm/pool exists as inference.networking.k8s.io/v1"
            + " and inference.networking.x-k8s.io/v1alpha2; using inference.networking.k8s.io/v1");
  }

  @Test
  void poolApiNotServed_reportedAndRetried_poolsAppearOnceServed() throws Exception {
    // v1alpha2 answers 404 (CRD not installed) three times, then is served.
    server.expect().get()
        .withPath("/apis/inference.networking.x-k8s.io/v1alpha2/inferencepools?resourceVersion=0")
        .andReturn(404, new StatusBuilder().withCode(404).withReason("NotFound")
            .withMessage("the server could not find the requested resource").build())
        .times(3);
    create(PoolApi.V1ALPHA2, v1alpha2Pool(NS, "old", Map.of("app", "sglang"), 30000));
    create(pod(NS, "sg-0", NODE, Map.of("app", "sglang"), true, "10.0.0.5"));
    discovery = new KubernetesEndpointDiscovery(client, options());
    discovery.start(listener).get(RecordingListener.WAIT_SECONDS, TimeUnit.SECONDS);

    assertThat(listener.awaitError("v1alpha2"))
        .hasMessage("kubernetes: watching InferencePools inference.networking.x-k8s.io/v1alpha2 failed,"
            + " retrying: HTTP 404: the server could not find the requested resource"
            + " (is the CRD installed?)");
    assertThat(names(listener.awaitSet(s -> !s.isEmpty()))).containsExactly(NS + "/old/sg-0");
  }

  @Test
  void apiServerLost_reported_lastSetKept() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    create(pod(NS, "vllm-0", NODE, Map.of("app", "vllm"), true, "10.0.0.1"));
    EndpointSet first = start(options());
    assertThat(first.size()).isEqualTo(1);
    // Barrier: once a pool edit has arrived, the initial events of both non-empty watches have
    // been sent, so the shutdown cannot hit the mock's send/close deadlock.
    client.genericKubernetesResources(PoolApi.V1.context()).inNamespace(NS).withName("pool")
        .edit(p -> {
          p.getMetadata().setAnnotations(Map.of("k", "v"));
          return p;
        });
    create(pod(NS, "vllm-1", NODE, Map.of("app", "vllm"), true, "10.0.0.2"));
    EndpointSet last = listener.awaitSet(s -> s.size() == 2 && s.endpoints().getFirst().poolAnnotations().containsKey("k"));

    server.destroy();
    DiscoveryException error = listener.awaitError("failed, retrying");
    assertThat(error.getMessage()).startsWith("kubernetes: watching ");
    assertThat(discovery.current()).isEqualTo(last);
  }

  @Test
  void unreachableApiServer_failsStart() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (KubernetesClient dead = new KubernetesClientBuilder()
        .withConfig(new ConfigBuilder()
            .withMasterUrl("http://127.0.0.1:" + port)
            .withRequestRetryBackoffLimit(0)
            .build())
        .build()) {
      discovery = new KubernetesEndpointDiscovery(dead, options());
      CompletableFuture<EndpointSet> started = discovery.start(listener);
      assertThatThrownBy(() -> started.get(RecordingListener.WAIT_SECONDS, TimeUnit.SECONDS))
          .cause()
          .isInstanceOf(DiscoveryException.class)
          .hasMessageStartingWith("kubernetes: cannot list ")
          .hasMessageContaining(" from http://127.0.0.1:" + port + "/: ConnectException");
      assertThat(listener.drain()).isEmpty();
    }
  }

  // ---- pool and selector scope (the picker's) ----

  @Test
  void poolScope_onlyThatPoolsPods_ofAnyNode_andAMalformedEditKeepsTheLastGoodSet() throws Exception {
    create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
    create(PoolApi.V1, v1Pool(NS, "other", Map.of("app", "vllm"), List.of(9000), Map.of()));
    create(pod(NS, "vllm-0", "node-x", Map.of("app", "vllm"), true, "10.0.0.1"));
    EndpointSet first = start(KubernetesDiscoveryOptions.forPool(NS, "pool"));
    assertThat(names(first)).containsExactly(NS + "/pool/vllm-0");
    assertThat(discovery.describe()).isEqualTo("kubernetes InferencePool llm/pool");

    client.genericKubernetesResources(PoolApi.V1.context()).inNamespace(NS).withName("pool").edit(p -> {
      p.getAdditionalProperties().put("spec", Map.of("selector", Map.of("matchLabels", Map.of("app", "vllm")),
          "targetPorts", List.of(Map.of("number", 70000))));
      return p;
    });
    assertThat(listener.nextError()).hasMessage("kubernetes: InferencePool llm/pool"
        + " (inference.networking.k8s.io/v1): spec.targetPorts[0].number: 70000 (expected: [1, 65535])");
    assertThat(discovery.current()).isEqualTo(first);

    // Another event while it is still malformed: nothing new is reported or published.
    create(pod(NS, "vllm-1", "node-y", Map.of("app", "vllm"), true, "10.0.0.2"));
    client.genericKubernetesResources(PoolApi.V1.context()).inNamespace(NS).withName("pool").edit(p -> {
      p.getAdditionalProperties().put("spec", Map.of("selector", Map.of("matchLabels", Map.of("app", "vllm")),
          "targetPorts", List.of(Map.of("number", 8001))));
      return p;
    });
    assertThat(names(listener.nextSet())).containsExactly(NS + "/pool/vllm-0", NS + "/pool/vllm-1");
  }

  @Test
  void poolScope_missingPool_isAnEmptySetLoggedOnce_thenPickedUp() throws Exception {
    java.util.List<java.util.logging.LogRecord> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.logging.Logger log = java.util.logging.Logger.getLogger(KubernetesEndpointDiscovery.class.getName());
    java.util.logging.Handler h = new java.util.logging.Handler() {
      @Override
      public void publish(java.util.logging.LogRecord r) {
        logged.add(r);
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    log.addHandler(h);
    java.util.logging.Level before = log.getLevel();
    log.setLevel(java.util.logging.Level.INFO);
    try {
      create(pod(NS, "vllm-0", NODE, Map.of("app", "vllm"), true, "10.0.0.1"));
      assertThat(start(KubernetesDiscoveryOptions.forPool(NS, "pool"))).isEqualTo(EndpointSet.EMPTY);
      create(pod(NS, "vllm-1", NODE, Map.of("app", "vllm"), true, "10.0.0.2"));
      create(PoolApi.V1, v1Pool(NS, "another", Map.of("app", "vllm"), List.of(8000), Map.of()));
      create(PoolApi.V1, v1Pool(NS, "pool", Map.of("app", "vllm"), List.of(8000), Map.of()));
      assertThat(names(listener.awaitSet(s -> s.size() == 2))).containsExactly(NS + "/pool/vllm-0", NS + "/pool/vllm-1");
      assertThat(logged.stream().filter(r -> r.getLevel() == java.util.logging.Level.WARNING)
          .map(java.util.logging.LogRecord::getMessage))
          .containsExactly("kubernetes: InferencePool llm/pool not found (neither inference.networking.k8s.io/v1 nor"
              + " inference.networking.x-k8s.io/v1alpha2); no endpoints until it is created");
      assertThat(logged.stream().map(java.util.logging.LogRecord::getMessage))
          .contains("kubernetes: InferencePool llm/pool found");
    } finally {
      log.removeHandler(h);
      log.setLevel(before);
    }
  }

  @Test
  void selectorScope_podsWithTheLabels_onePerPort_withoutAnyPool() throws Exception {
    create(pod(NS, "vllm-0", NODE, Map.of("app", "vllm", "tier", "gpu"), true, "10.0.0.1"));
    create(pod(NS, "vllm-1", NODE, Map.of("app", "vllm"), true, "10.0.0.2"));
    EndpointSet first = start(KubernetesDiscoveryOptions.forSelector(NS, Map.of("app", "vllm", "tier", "gpu"),
        List.of(8000, 8001)));
    assertThat(names(first)).containsExactly(NS + "/endpoint-selector/vllm-0-rank-0", NS + "/endpoint-selector/vllm-0-rank-1");
    assertThat(discovery.describe()).isEqualTo("kubernetes pods of namespace llm with app=vllm,tier=gpu on 8000,8001");
    setReady(NS, "vllm-0", false);
    listener.awaitSet(EndpointSet::isEmpty);
  }

  @Test
  void options_validate() {
    assertThatThrownBy(() -> KubernetesDiscoveryOptions.forNode(""))
        .hasMessage("nodeName: \"\" (expected: this node's name, e.g. from env NODE_NAME)");
    assertThatThrownBy(() -> KubernetesDiscoveryOptions.forNode(null))
        .hasMessage("nodeName: null (expected: this node's name, e.g. from env NODE_NAME)");
    assertThatThrownBy(() -> options().withNamespace(" "))
        .hasMessage("namespace: \" \" (expected: a namespace, or null for all)");
    assertThatThrownBy(() -> options().withResyncPeriod(Duration.ZERO))
        .hasMessage("resyncPeriod: PT0S (expected: > 0)");
    assertThatThrownBy(() -> options().withPoolApis(Set.of()))
        .hasMessage("poolApis: [] (expected: at least one of [V1, V1ALPHA2])");
    assertThat(options().poolApis()).isEqualTo(EnumSet.allOf(PoolApi.class));

    KubernetesDiscoveryOptions pool = KubernetesDiscoveryOptions.forPool("llm", "vllm-pool");
    assertThat(pool.scope()).isEqualTo(KubernetesDiscoveryOptions.Scope.POOL);
    assertThat(pool.poolRef()).hasToString("llm/vllm-pool");
    assertThat(pool.resyncPeriod()).isEqualTo(KubernetesDiscoveryOptions.DEFAULT_RESYNC_PERIOD);
    assertThatThrownBy(() -> KubernetesDiscoveryOptions.forPool(" ", "p")).hasMessage("namespace: \" \" (expected: a namespace)");
    assertThatThrownBy(() -> KubernetesDiscoveryOptions.forPool("llm", " "))
        .hasMessage("poolName: \" \" (expected: an InferencePool name)");
    assertThatThrownBy(() -> new KubernetesDiscoveryOptions(null, "llm", "p", Map.of("a", "b"), List.of(1),
        Duration.ofMinutes(1), EnumSet.allOf(PoolApi.class), false))
        .hasMessage("poolName and selector: give one (an InferencePool, or pods selected by labels)");
    assertThatThrownBy(() -> new KubernetesDiscoveryOptions(null, "llm", "p", null, List.of(1),
        Duration.ofMinutes(1), EnumSet.allOf(PoolApi.class), false))
        .hasMessage("targetPorts: only with a selector (an InferencePool gives its ports)");
    assertThatThrownBy(() -> KubernetesDiscoveryOptions.forSelector("llm", Map.of(), List.of(8000)))
        .hasMessage("selector: empty (expected: at least one label; an empty selector would select every pod)");
    assertThat(KubernetesDiscoveryOptions.forSelector("llm", Map.of("app", "vllm"), List.of(8000)).poolRef())
        .hasToString("llm/endpoint-selector");
  }
}
