package dev.loadfuse.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.sidecar.api.LoadBus;
import dev.loadfuse.sidecar.api.LoadJson;
import dev.loadfuse.sidecar.api.LoadSnapshot;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.discovery.file.FileDiscoveryOptions;
import dev.loadfuse.discovery.file.FileEndpointDiscovery;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar end to end: an endpoints file pointing at local HTTP servers that serve real
 * fixture pages of three engines, mock GPUs, and the HTTP API and event bus as a user sees them.
 */
class SidecarVerticleTest {

  private static final String GPU_A = "GPU-1b2c3d4e-0000-0000-0000-000000000001";
  private static final String GPU_B = "GPU-1b2c3d4e-0000-0000-0000-000000000002";

  @TempDir Path dir;
  private Vertx vertx;
  private WebClient client;
  private final AtomicInteger sglangStatus = new AtomicInteger(200);
  private final Map<String, LoadVector> published = new ConcurrentHashMap<>();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  private static byte[] fixture(String name) throws Exception {
    try (InputStream in = SidecarVerticleTest.class.getResourceAsStream("/fixtures/metrics/" + name)) {
      assertThat(in).as("fixture " + name).isNotNull();
      return in.readAllBytes();
    }
  }

  private int serve(byte[] page, AtomicInteger status) throws Exception {
    return vertx.createHttpServer()
        .requestHandler(req -> {
          int s = status == null ? 200 : status.get();
          req.response().setStatusCode(s).end(s == 200 ? io.vertx.core.buffer.Buffer.buffer(page) : io.vertx.core.buffer.Buffer.buffer("down"));
        })
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  private SidecarVerticle deploy(int vllm, int sglang, int triton) throws Exception {
    Path endpoints = dir.resolve("endpoints.yaml");
    Files.writeString(endpoints, """
        pool:
          name: local-pool
        endpoints:
          - name: vllm-0
            address: 127.0.0.1
            port: %d
            labels:
              inference.networking.k8s.io/engine-type: vllm
            gpus: [%s]
          - name: sglang-0
            address: 127.0.0.1
            port: %d
            labels:
              inference.networking.k8s.io/engine-type: sglang
          - name: triton-0
            address: 127.0.0.1
            port: %d
            labels:
              inference.networking.k8s.io/engine-type: trt-llm
            gpus: [%s]
        """.formatted(vllm, GPU_A, sglang, triton, GPU_B));
    Path gpus = dir.resolve("gpus.yaml");
    Files.writeString(gpus, """
        driverVersion: "560.35.03"
        gpus:
          - uuid: %s
            name: NVIDIA H100 80GB HBM3
            memoryTotalBytes: 85899345920
            memoryUsedBytes: 21474836480
            gpuUtilization: 0.5
            temperatureC: 60
          - uuid: %s
            name: NVIDIA H100 80GB HBM3
            memoryTotalBytes: 85899345920
            memoryUsedBytes: 1073741824
            gpuUtilization: 0.1
            faults:
              - lost: {afterSamples: 3}
        """.formatted(GPU_A, GPU_B));
    // Its own HTTP API on an ephemeral loopback port (the tests read /v1/load there).
    SidecarVerticle sidecar = new SidecarVerticle(new SidecarOptions()
        .setDiscovery(new FileEndpointDiscovery(endpoints, FileDiscoveryOptions.DEFAULTS.withPollInterval(Duration.ofMillis(100))))
        .setCustomGpuProbe(GpuProbes.mock(gpus))
        .setScrapeInterval(Duration.ofMillis(20))
        .setGpuSampleInterval(Duration.ofMillis(20))
        .setPublishHeartbeat(Duration.ofMillis(100))
        .setHttpHost("127.0.0.1")
        .setHttpPort(0));
    LoadBus.install(vertx.eventBus());
    vertx.eventBus().<LoadVector>consumer(LoadBus.LOAD.name(), m -> published.put(m.body().endpoint().name(), m.body()));
    vertx.deployVerticle(sidecar).await(20, TimeUnit.SECONDS);
    return sidecar;
  }

  private JsonNode getJson(int port, String path) throws Exception {
    String body = client.get(port, "127.0.0.1", path).send().await(10, TimeUnit.SECONDS).bodyAsString();
    return LoadJson.MAPPER.readTree(body);
  }

  private JsonNode endpoint(JsonNode load, String name) {
    for (JsonNode e : load.get("endpoints")) {
      if (e.get("name").asText().equals(name)) {
        return e;
      }
    }
    return null;
  }

  /** Polls /v1/load until {@code condition} holds (bounded: 15 s), then returns it. */
  private JsonNode awaitLoad(int port, Predicate<JsonNode> condition) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    JsonNode last = null;
    while (System.nanoTime() < deadline) {
      last = getJson(port, "/v1/load");
      if (condition.test(last)) {
        return last;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("condition not reached; last /v1/load: " + last);
  }

  private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not reached within 15 s");
      }
      Thread.sleep(10);
    }
  }

  @Test
  void threeEngines_andMockGpus_showInV1Load_andOnTheBus() throws Exception {
    int vllm = serve(fixture("vllm-v0-aibrix-runtime-doc.prom"), null);
    int sglang = serve(fixture("sglang-docs-production-metrics.prom"), null);
    int triton = serve(fixture("triton-trtllm-backend-readme-ifb-2025.prom"), null);
    SidecarVerticle sidecar = deploy(vllm, sglang, triton);
    int http = sidecar.httpPort();

    JsonNode load = awaitLoad(http, l -> l.get("endpoints").size() == 3
        && !endpoint(l, "vllm-0").get("engineSampleAgeMs").isNull()
        && !endpoint(l, "sglang-0").get("engineSampleAgeMs").isNull()
        && !endpoint(l, "triton-0").get("engineSampleAgeMs").isNull()
        && endpoint(l, "vllm-0").get("gpus").size() == 1);

    JsonNode v = endpoint(load, "vllm-0");
    assertThat(v.get("engine").asText()).isEqualTo("vllm");
    assertThat(v.get("address").asText()).isEqualTo("127.0.0.1");
    assertThat(v.get("port").asInt()).isEqualTo(vllm);
    assertThat(v.get("pool").asText()).isEqualTo("local-pool");
    assertThat(v.get("waitingRequests").asLong()).isZero();
    assertThat(v.get("runningRequests").asLong()).isZero();
    assertThat(v.get("kvCacheUsage").asDouble()).isZero();
    assertThat(v.get("cacheBlockSize").asLong()).isEqualTo(16);
    assertThat(v.get("numGpuBlocks").asLong()).isEqualTo(81767);
    assertThat(v.get("lora").get("maxLora").asInt()).isZero();
    assertThat(v.get("healthy").asBoolean()).isTrue();
    JsonNode gpu = v.get("gpus").get(0);
    assertThat(gpu.get("uuid").asText()).isEqualTo(GPU_A);
    assertThat(gpu.get("name").asText()).isEqualTo("NVIDIA H100 80GB HBM3");
    assertThat(gpu.get("memoryUsedBytes").asLong()).isEqualTo(21474836480L);
    assertThat(gpu.get("gpuUtilization").asDouble()).isEqualTo(0.5);
    assertThat(gpu.get("temperatureC").asInt()).isEqualTo(60);
    assertThat(v.get("gpuSampleAgeMs").isNull()).isFalse();

    JsonNode s = endpoint(load, "sglang-0");
    assertThat(s.get("engine").asText()).isEqualTo("sglang");
    assertThat(s.get("waitingRequests").asLong()).isEqualTo(2826);
    assertThat(s.get("runningRequests").asLong()).isEqualTo(162);
    assertThat(s.get("kvCacheUsage").asDouble()).isEqualTo(0.28);

    JsonNode t = endpoint(load, "triton-0");
    assertThat(t.get("engine").asText()).isEqualTo("triton-tensorrt-llm");
    assertThat(t.get("waitingRequests").asLong()).isEqualTo(1);
    assertThat(t.get("runningRequests").asLong()).isEqualTo(1);
    assertThat(t.get("kvCacheUsage").asDouble()).isEqualTo(0.4875);
    assertThat(t.get("cacheBlockSize").asLong()).isEqualTo(64);
    assertThat(t.get("numGpuBlocks").asLong()).isEqualTo(6239);
    assertThat(t.get("gpus").get(0).get("uuid").asText()).isEqualTo(GPU_B);
    assertThat(s.get("gpus").size()).isZero();

    // The same vectors went out on the event bus.
    awaitTrue(() -> published.containsKey("sglang-0") && published.containsKey("triton-0"));
    assertThat(published.get("sglang-0").waitingRequests()).isEqualTo(2826);
    assertThat(published.get("triton-0").kvCacheUsage()).isEqualTo(0.4875);

    // And a snapshot on request.
    LoadSnapshot snap = vertx.eventBus().<LoadSnapshot>request(LoadBus.SNAPSHOT.name(), null)
        .await(10, TimeUnit.SECONDS).body();
    assertThat(snap.vectors()).extracting(x -> x.endpoint().name()).containsExactly("sglang-0", "triton-0", "vllm-0");

    // Ready and healthy, with metrics.
    assertThat(client.get(http, "127.0.0.1", "/readyz").send().await(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    assertThat(client.get(http, "127.0.0.1", "/healthz").send().await(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    String metrics = client.get(http, "127.0.0.1", "/metrics").send().await(10, TimeUnit.SECONDS).bodyAsString();
    assertThat(metrics)
        .contains("loadfuse_sidecar_scrape_duration_seconds_bucket{endpoint=\"vllm-0\"")
        .contains("loadfuse_sidecar_published_vectors_total")
        .contains("DCGM_FI_DEV_GPU_UTIL{UUID=\"" + GPU_A + "\",gpu=\"0\",modelName=\"NVIDIA H100 80GB HBM3\"} 50.0")
        .contains("loadfuse_endpoint_waiting_requests{endpoint=\"sglang-0\",pool=\"local-pool\"} 2826.0");
  }

  @Test
  void failingEndpoint_showsUnhealthyWithItsError_andLostGpu_showsGpuLost() throws Exception {
    int vllm = serve(fixture("vllm-v0-aibrix-runtime-doc.prom"), null);
    int sglang = serve(fixture("sglang-docs-production-metrics.prom"), sglangStatus);
    int triton = serve(fixture("triton-trtllm-backend-readme-ifb-2025.prom"), null);
    SidecarVerticle sidecar = deploy(vllm, sglang, triton);
    int http = sidecar.httpPort();

    awaitLoad(http, l -> l.get("endpoints").size() == 3 && endpoint(l, "sglang-0").get("healthy").asBoolean());
    sglangStatus.set(503);
    JsonNode load = awaitLoad(http, l -> !endpoint(l, "sglang-0").get("healthy").asBoolean()
        && endpoint(l, "sglang-0").get("lastError").asText().startsWith("HTTP 503"));
    assertThat(endpoint(load, "sglang-0").get("lastError").asText())
        .isEqualTo("HTTP 503 from http://127.0.0.1:" + sglang + "/metrics");
    // The last good engine values stay visible, with a growing age.
    assertThat(endpoint(load, "sglang-0").get("waitingRequests").asLong()).isEqualTo(2826);

    // Recovery: the endpoint answers again and is healthy again.
    sglangStatus.set(200);
    load = awaitLoad(http, l -> endpoint(l, "sglang-0").get("healthy").asBoolean());
    assertThat(endpoint(load, "sglang-0").get("lastError").isNull()).isTrue();

    // GPU_B is reported lost after 3 samples: its endpoint is drained, the others are not,
    // even though its engine still answers.
    load = awaitLoad(http, l -> endpoint(l, "triton-0").get("gpuLost").asBoolean());
    JsonNode t = endpoint(load, "triton-0");
    assertThat(t.get("gpus").get(0).get("lost").asBoolean()).isTrue();
    assertThat(t.get("healthy").asBoolean()).isFalse();
    assertThat(t.get("lastError").asText())
        .isEqualTo("GPU " + GPU_B + " is lost (NVML reports GPU_IS_LOST or RESET_REQUIRED)");
    assertThat(endpoint(load, "vllm-0").get("gpuLost").asBoolean()).isFalse();
    assertThat(endpoint(load, "vllm-0").get("healthy").asBoolean()).isTrue();
    awaitTrue(() -> published.get("triton-0").gpuLost());
    List<String> names = sidecar.vectors().stream().map(x -> x.endpoint().name()).toList();
    assertThat(names).containsExactly("sglang-0", "triton-0", "vllm-0");
  }
}
