package dev.loadfuse.sidecar;

import static dev.loadfuse.sidecar.testing.SidecarTestFiles.GPU_A;
import static dev.loadfuse.sidecar.testing.SidecarTestFiles.GPU_B;
import static dev.loadfuse.sidecar.testing.SidecarTestFiles.endpoint;
import static dev.loadfuse.sidecar.testing.SidecarTestFiles.fixture;
import static dev.loadfuse.sidecar.testing.SidecarTestFiles.mockGpus;
import static dev.loadfuse.sidecar.testing.SidecarTestFiles.oneVllm;
import static dev.loadfuse.sidecar.testing.SidecarTestFiles.threeEngines;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loadfuse.common.testing.Await;
import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.sidecar.api.LoadBus;
import dev.loadfuse.sidecar.api.LoadJson;
import dev.loadfuse.sidecar.api.LoadSnapshot;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.discovery.file.FileDiscoveryOptions;
import dev.loadfuse.discovery.file.FileEndpointDiscovery;
import dev.loadfuse.sidecar.metrics.SidecarMetrics;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.WebClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntUnaryOperator;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar end to end: an endpoints file pointing at local HTTP servers that serve real
 * fixture pages of three engines, mock GPUs, and the HTTP API and event bus as a user sees them;
 * and what it publishes when, counted (never timed) with its own publication counters.
 */
class SidecarVerticleTest {

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

  private int serve(byte[] page, AtomicInteger status) throws Exception {
    return vertx.createHttpServer()
        .requestHandler(req -> {
          int s = status == null ? 200 : status.get();
          req.response().setStatusCode(s).end(s == 200 ? io.vertx.core.buffer.Buffer.buffer(page) : io.vertx.core.buffer.Buffer.buffer("down"));
        })
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  private SidecarVerticle deploy(int vllm, int sglang, int triton) throws Exception {
    Path endpoints = Files.writeString(dir.resolve("endpoints.yaml"), threeEngines(vllm, sglang, triton));
    Path gpus = Files.writeString(dir.resolve("gpus.yaml"), mockGpus(true));
    // Its own HTTP API on an ephemeral loopback port (the tests read /v1/load there).
    SidecarVerticle sidecar = new SidecarVerticle(new SidecarOptions()
        .setDiscovery(new FileEndpointDiscovery(endpoints, FileDiscoveryOptions.DEFAULTS.withPollInterval(Duration.ofMillis(100))))
        .setCustomGpuProbe(GpuProbes.mock(gpus))
        .setScrapeInterval(Duration.ofMillis(20))
        .setGpuSampleInterval(Duration.ofMillis(20))
        .setPublishHeartbeat(Duration.ofMillis(100))
        .setHttpHost("127.0.0.1")
        .setHttpPort(0));
    LoadBus.install(vertx);
    vertx.eventBus().<LoadVector>consumer(LoadBus.LOAD.name(), m -> published.put(m.body().endpoint().name(), m.body()));
    vertx.deployVerticle(sidecar).await(20, TimeUnit.SECONDS);
    return sidecar;
  }

  private JsonNode getJson(int port, String path) throws Exception {
    String body = client.get(port, "127.0.0.1", path).send().await(10, TimeUnit.SECONDS).bodyAsString();
    return LoadJson.MAPPER.readTree(body);
  }

  /** Polls /v1/load until {@code condition} holds (bounded), then returns it. */
  private JsonNode awaitLoad(int port, Predicate<JsonNode> condition) {
    return Await.value("/v1/load", () -> getJson(port, "/v1/load"), condition);
  }

  /**
   * The value of {@code field} of {@code node}, failing when it is missing or JSON null: an absent
   * metric must not pass for zero ({@code asLong()} of null is 0).
   */
  private static JsonNode present(JsonNode node, String field) {
    JsonNode v = node.get(field);
    assertThat(v).as("%s in %s", field, node).isNotNull();
    assertThat(v.isNull()).as("%s is absent (null) in %s", field, node).isFalse();
    return v;
  }

  /** The number in {@code field} of {@code node}, failing when it is missing, null or not a number. */
  private static double number(JsonNode node, String field) {
    JsonNode v = present(node, field);
    assertThat(v.isNumber()).as("%s is a number in %s", field, node).isTrue();
    return v.asDouble();
  }

  private static boolean scraped(LoadVector v) {
    return v != null && v.engineSampledAtMillis() > 0;
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
    assertThat(present(v, "engine").asText()).isEqualTo("vllm");
    assertThat(present(v, "address").asText()).isEqualTo("127.0.0.1");
    assertThat(number(v, "port")).isEqualTo(vllm);
    assertThat(present(v, "pool").asText()).isEqualTo("local-pool");
    assertThat(number(v, "waitingRequests")).isEqualTo(0);
    assertThat(number(v, "runningRequests")).isEqualTo(0);
    assertThat(number(v, "kvCacheUsage")).isEqualTo(0);
    assertThat(number(v, "cacheBlockSize")).isEqualTo(16);
    assertThat(number(v, "numGpuBlocks")).isEqualTo(81767);
    assertThat(number(v.get("lora"), "maxLora")).isEqualTo(0);
    assertThat(present(v, "missingMetrics").toString()).isEqualTo("[]");
    assertThat(present(v, "healthy").asBoolean()).isTrue();
    JsonNode gpu = v.get("gpus").get(0);
    assertThat(present(gpu, "uuid").asText()).isEqualTo(GPU_A);
    assertThat(present(gpu, "name").asText()).isEqualTo("NVIDIA H100 80GB HBM3");
    assertThat(number(gpu, "memoryUsedBytes")).isEqualTo(21474836480L);
    assertThat(number(gpu, "gpuUtilization")).isEqualTo(0.5);
    assertThat(number(gpu, "temperatureC")).isEqualTo(60);
    assertThat(v.get("gpuSampleAgeMs").isNull()).isFalse();

    JsonNode s = endpoint(load, "sglang-0");
    assertThat(present(s, "engine").asText()).isEqualTo("sglang");
    assertThat(number(s, "waitingRequests")).isEqualTo(2826);
    assertThat(number(s, "runningRequests")).isEqualTo(162);
    assertThat(number(s, "kvCacheUsage")).isEqualTo(0.28);
    // this page has no cache_config_info: the geometry is absent (null), and says so
    assertThat(s.get("cacheBlockSize").isNull()).isTrue();
    assertThat(s.get("numGpuBlocks").isNull()).isTrue();
    assertThat(present(s, "missingMetrics").toString()).isEqualTo("[\"sglang:cache_config_info\"]");
    assertThat(s.get("lora").isNull()).isTrue();

    JsonNode t = endpoint(load, "triton-0");
    assertThat(present(t, "engine").asText()).isEqualTo("triton-tensorrt-llm");
    assertThat(number(t, "waitingRequests")).isEqualTo(1);
    assertThat(number(t, "runningRequests")).isEqualTo(1);
    assertThat(number(t, "kvCacheUsage")).isEqualTo(0.4875);
    assertThat(number(t, "cacheBlockSize")).isEqualTo(64);
    assertThat(number(t, "numGpuBlocks")).isEqualTo(6239);
    assertThat(present(t, "missingMetrics").toString()).isEqualTo("[]");
    assertThat(present(t.get("gpus").get(0), "uuid").asText()).isEqualTo(GPU_B);
    assertThat(s.get("gpus").size()).isZero();

    // The same vectors went out on the event bus.
    Await.until("engine samples of sglang-0 and triton-0 on the bus", () -> scraped(published.get("sglang-0"))
        && scraped(published.get("triton-0")));
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
        .contains("loadfuse_sidecar_published_vectors_total{reason=\"change\"}")
        .contains("loadfuse_sidecar_published_vectors_total{reason=\"heartbeat\"}")
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
    assertThat(present(endpoint(load, "sglang-0"), "lastError").asText())
        .isEqualTo("HTTP 503 from http://127.0.0.1:" + sglang + "/metrics");
    // The last good engine values stay visible, with a growing age.
    assertThat(number(endpoint(load, "sglang-0"), "waitingRequests")).isEqualTo(2826);

    // Recovery: the endpoint answers again and is healthy again.
    sglangStatus.set(200);
    load = awaitLoad(http, l -> endpoint(l, "sglang-0").get("healthy").asBoolean());
    assertThat(endpoint(load, "sglang-0").get("lastError").isNull()).isTrue();

    // GPU_B is reported lost after 3 samples: its endpoint is drained, the others are not,
    // even though its engine still answers.
    load = awaitLoad(http, l -> endpoint(l, "triton-0").get("gpuLost").asBoolean());
    JsonNode t = endpoint(load, "triton-0");
    assertThat(present(t.get("gpus").get(0), "lost").asBoolean()).isTrue();
    assertThat(present(t, "healthy").asBoolean()).isFalse();
    assertThat(present(t, "lastError").asText())
        .isEqualTo("GPU " + GPU_B + " is lost (NVML reports GPU_IS_LOST or RESET_REQUIRED)");
    assertThat(present(endpoint(load, "vllm-0"), "gpuLost").asBoolean()).isFalse();
    assertThat(present(endpoint(load, "vllm-0"), "healthy").asBoolean()).isTrue();
    Await.until("triton-0's lost GPU on the bus", () -> published.get("triton-0").gpuLost());
    List<String> names = sidecar.vectors().stream().map(x -> x.endpoint().name()).toList();
    assertThat(names).containsExactly("sglang-0", "triton-0", "vllm-0");
  }

  @Test
  void pagesWithoutAnExpectedMetric_turnUnhealthy_namingTheEngineAndWhatThePageIs() throws Exception {
    java.util.concurrent.atomic.AtomicReference<byte[]> body = new java.util.concurrent.atomic.AtomicReference<>(
        fixture("vllm-v0-aibrix-runtime-doc.prom"));
    java.util.concurrent.atomic.AtomicReference<String> encoding = new java.util.concurrent.atomic.AtomicReference<>();
    int vllm = vertx.createHttpServer().requestHandler(req -> {
      if (encoding.get() != null) {
        req.response().putHeader("Content-Encoding", encoding.get());
      }
      req.response().end(io.vertx.core.buffer.Buffer.buffer(body.get()));
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    SidecarVerticle sidecar = deploy(vllm, serve(fixture("sglang-docs-production-metrics.prom"), null),
        serve(fixture("triton-trtllm-backend-readme-ifb-2025.prom"), null));
    int http = sidecar.httpPort();
    awaitLoad(http, l -> l.get("endpoints").size() == 3 && endpoint(l, "vllm-0").get("healthy").asBoolean());
    String expected = "vllm: none of the expected metrics found (vllm:num_requests_waiting, vllm:num_requests_running,"
        + " vllm:kv_cache_usage_perc); ";

    // An HTML login page (a proxy in front of the engine, or the wrong port).
    body.set("<html><head><title>Sign in</title></head></html>\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
    JsonNode v = endpoint(awaitLoad(http, l -> !endpoint(l, "vllm-0").get("healthy").asBoolean()), "vllm-0");
    assertThat(present(v, "lastError").asText()).isEqualTo(expected
        + "wrong engine type? the page has no metric samples; it starts \"<html><head><title>Sign in</title></head…\"");
    assertThat(number(v, "waitingRequests")).as("the last good values stay").isEqualTo(0);

    // A gzip body nobody asked for.
    java.io.ByteArrayOutputStream gz = new java.io.ByteArrayOutputStream();
    try (java.util.zip.GZIPOutputStream z = new java.util.zip.GZIPOutputStream(gz)) {
      z.write(fixture("vllm-v0-aibrix-runtime-doc.prom"));
    }
    encoding.set("gzip");
    body.set(gz.toByteArray());
    v = endpoint(awaitLoad(http, l -> endpoint(l, "vllm-0").get("lastError").asText().contains("gzip")), "vllm-0");
    assertThat(present(v, "lastError").asText()).isEqualTo(expected + "the page is not text: gzip-compressed data (not asked for)");
    assertThat(present(v, "healthy").asBoolean()).isFalse();

    // 64 KiB of binary.
    encoding.set(null);
    byte[] binary = new byte[64 * 1024];
    new java.util.Random(1).nextBytes(binary);
    binary[0] = 'x';
    body.set(binary);
    v = endpoint(awaitLoad(http, l -> endpoint(l, "vllm-0").get("lastError").asText().contains("binary")), "vllm-0");
    assertThat(present(v, "lastError").asText()).startsWith(expected + "the page is not text: binary (");
    assertThat(present(v, "healthy").asBoolean()).isFalse();
    String metrics = client.get(http, "127.0.0.1", "/metrics").send().await(10, TimeUnit.SECONDS).bodyAsString();
    assertThat(metrics).contains("loadfuse_sidecar_scrape_errors_total{endpoint=\"vllm-0\",reason=\"no_metrics\"}");

    // The real page again: healthy, no error.
    body.set(fixture("vllm-v0-aibrix-runtime-doc.prom"));
    v = endpoint(awaitLoad(http, l -> endpoint(l, "vllm-0").get("healthy").asBoolean()), "vllm-0");
    assertThat(v.get("lastError").isNull()).isTrue();
  }

  @Test
  void aTokenInTheMetricsPath_neverShowsInLastErrorOrTheApi() throws Exception {
    int port = vertx.createHttpServer()
        .requestHandler(req -> req.response().setStatusCode(401).end("who are you?"))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    Path endpoints = Files.writeString(dir.resolve("endpoints.yaml"), """
        pool: {name: local-pool}
        endpoints:
          - {name: vllm-0, address: 127.0.0.1, port: %d, metricsPath: "/metrics?token=s3cr3t-t0ken&x=1"}
        """.formatted(port));
    SidecarVerticle sidecar = new SidecarVerticle(new SidecarOptions().setEndpointsFile(endpoints.toString())
        .setGpuProbe(dev.loadfuse.nvml.GpuProbeKind.NONE).setScrapeInterval(Duration.ofMillis(20))
        .setScrapeTimeout(Duration.ofSeconds(10)) // a busy machine must not turn the 401 into a timeout
        .setHttpHost("127.0.0.1").setHttpPort(0));
    vertx.deployVerticle(sidecar).await(20, TimeUnit.SECONDS);

    JsonNode v = endpoint(awaitLoad(sidecar.httpPort(),
        l -> endpoint(l, "vllm-0").get("lastError").asText("").startsWith("HTTP 401")), "vllm-0");
    assertThat(v.get("lastError").asText())
        .isEqualTo("HTTP 401 from http://127.0.0.1:" + port + "/metrics?token=<redacted>&x=<redacted>");
    for (String path : List.of("/v1/load", "/metrics")) {
      String body = client.get(sidecar.httpPort(), "127.0.0.1", path).send().await(10, TimeUnit.SECONDS).bodyAsString();
      assertThat(body).as(path).doesNotContain("s3cr3t");
    }
    assertThat(sidecar.vectors()).allSatisfy(x -> assertThat(String.valueOf(x.lastError())).doesNotContain("s3cr3t"));
  }

  // ---------------------------------------------------------------- what is published, and when

  /**
   * One GPU whose readings wobble every sample as a real one does under a steady load: temperature
   * by 1 °C, power by 30 W, utilisation by 0.02, memory by 100 MiB, and the energy counter and the
   * sample time grow; all within the publish tolerances. The test sets the temperature as a
   * function of the sample number from a point on ({@link #temperature}).
   */
  private static final class JitteringGpu implements GpuProbe {
    static final String UUID = "GPU-1b2c3d4e-0000-0000-0000-00000000000a";
    final AtomicInteger samples = new AtomicInteger();
    private volatile Temperature temperature = new Temperature(k -> 60 + k % 2);

    /** The temperature as a function of the samples taken since it was set. */
    private record Temperature(IntUnaryOperator at, AtomicInteger taken) {
      Temperature(IntUnaryOperator at) {
        this(at, new AtomicInteger());
      }
    }

    /** From the next sample on, the {@code k}-th sample reads {@code temperatureAt(k)} °C. */
    void temperature(IntUnaryOperator temperatureAt) {
      temperature = new Temperature(temperatureAt);
    }

    @Override
    public GpuSnapshot sample() {
      int i = samples.incrementAndGet();
      int wobble = i % 2;
      Temperature t = temperature;
      int celsius = t.at().applyAsInt(t.taken().getAndIncrement());
      GpuSample s = GpuSample.builder(UUID, 0).name("NVIDIA H100 80GB HBM3")
          .memoryTotalBytes(80L << 30).memoryUsedBytes((60L << 30) + wobble * (100L << 20))
          .memoryFreeBytes((20L << 30) - wobble * (100L << 20))
          .gpuUtilization(0.9 + 0.02 * wobble).memoryUtilization(0.4 + 0.02 * wobble)
          .powerWatts(450 + 30 * wobble).powerLimitWatts(700).temperatureC(celsius)
          .throttleReasonBits(0).energyJoules(1.0e6 + 45.0 * i).migEnabled(false)
          .sampledAtNanos(System.nanoTime()).build();
      return GpuSnapshot.of(Optional.of("560.35.03"), s.sampledAtNanos(), List.of(s));
    }

    @Override
    public String description() {
      return "jittering test GPU";
    }

    @Override
    public void close() {}
  }

  /** Vectors of vllm-0 in the order the bus delivered them. */
  private final List<LoadVector> delivered = new CopyOnWriteArrayList<>();

  /**
   * One vLLM endpoint on {@link JitteringGpu}, its steady page served by a local HTTP server,
   * GPUs sampled every 10 ms, the page scraped every 50 ms (with a generous timeout: a slow
   * scrape on a busy machine would be a change of health, which this test does not mean).
   */
  private SidecarVerticle deployJittering(JitteringGpu gpu, Duration heartbeat) throws Exception {
    int engine = serve(fixture("vllm-v0-aibrix-runtime-doc.prom"), null);
    Path endpoints = Files.writeString(dir.resolve("one.yaml"), oneVllm(engine, JitteringGpu.UUID));
    SidecarVerticle sidecar = new SidecarVerticle(new SidecarOptions()
        .setDiscovery(new FileEndpointDiscovery(endpoints))
        .setCustomGpuProbe(gpu)
        .setScrapeInterval(Duration.ofMillis(50))
        .setScrapeTimeout(Duration.ofSeconds(30))
        .setGpuSampleInterval(Duration.ofMillis(10))
        .setPublishHeartbeat(heartbeat)
        .setHttp(false));
    LoadBus.install(vertx);
    vertx.eventBus().<LoadVector>consumer(LoadBus.LOAD.name(), m -> delivered.add(m.body()));
    vertx.deployVerticle(sidecar).await(20, TimeUnit.SECONDS);
    // Settled: the engine page and the GPU are both in a published vector.
    Await.until("a vector with the engine sample and the GPU", () -> !delivered.isEmpty()
        && scraped(delivered.getLast()) && !delivered.getLast().gpus().isEmpty());
    return sidecar;
  }

  private static long published(SidecarVerticle sidecar, SidecarMetrics.PublishReason reason) {
    return (long) sidecar.metrics().registry().get("loadfuse_sidecar_published_vectors")
        .tag("reason", reason.label()).counter().count();
  }

  /** Waits until the bus has delivered every vector the sidecar counts as published. */
  private void awaitDelivered(SidecarVerticle sidecar) {
    Await.until("the bus delivers what the sidecar published", () -> delivered.size()
        == published(sidecar, SidecarMetrics.PublishReason.CHANGE) + published(sidecar, SidecarMetrics.PublishReason.HEARTBEAT));
  }

  private static int temperature(LoadVector v) {
    return v.gpus().getFirst().temperatureC().orElseThrow();
  }

  @Test
  void jitteringGpu_steadyEngine_publishesAtTheHeartbeatRate_notTheSampleRate() throws Exception {
    JitteringGpu gpu = new JitteringGpu();
    SidecarVerticle sidecar = deployJittering(gpu, Duration.ofMillis(200));
    long changes = published(sidecar, SidecarMetrics.PublishReason.CHANGE);
    long heartbeats = published(sidecar, SidecarMetrics.PublishReason.HEARTBEAT);
    int samples = gpu.samples.get();

    // 60 samples at 10 ms: every one differs from the last (energy, time, and the wobble).
    Await.until("60 more GPU samples", () -> gpu.samples.get() >= samples + 60);
    awaitDelivered(sidecar);

    assertThat(published(sidecar, SidecarMetrics.PublishReason.CHANGE))
        .as("publications for a change, over 60 samples within tolerance").isEqualTo(changes);
    // Samples are due 10 ms apart on the sidecar's own timer, so 60 of them span more than one
    // 200 ms heartbeat of that timer: the quiet endpoint was re-published, by the heartbeat only.
    long byHeartbeat = published(sidecar, SidecarMetrics.PublishReason.HEARTBEAT) - heartbeats;
    assertThat(byHeartbeat).as("heartbeat publications").isPositive();
    // (awaitDelivered showed the bus carried exactly what was counted; a heartbeat may come after it.)
  }

  @Test
  void gpuValueBeyondItsTolerance_isPublishedAtOnce_andSlowDriftOnceItAddsUp() throws Exception {
    JitteringGpu gpu = new JitteringGpu();
    // a heartbeat that never comes during the test: every publication below is for a change
    SidecarVerticle sidecar = deployJittering(gpu, Duration.ofHours(1));
    long changes = published(sidecar, SidecarMetrics.PublishReason.CHANGE);
    int samples = gpu.samples.get();
    Await.until("30 more GPU samples", () -> gpu.samples.get() >= samples + 30);
    awaitDelivered(sidecar);
    int before = delivered.size();
    assertThat(published(sidecar, SidecarMetrics.PublishReason.CHANGE)).as("jitter alone").isEqualTo(changes);

    // A step of 10 °C: published by the next sample, not by a heartbeat.
    gpu.temperature(k -> 70 + k % 2);
    LoadVector hot = Await.value("a vector at 70 °C", () -> delivered.size() > before ? delivered.getLast() : null,
        v -> v != null && temperature(v) >= 70);
    assertThat(temperature(hot)).isEqualTo(70);
    assertThat(delivered.size()).isEqualTo(before + 1);
    int afterStep = gpu.samples.get();
    Await.until("30 more GPU samples", () -> gpu.samples.get() >= afterStep + 30);
    awaitDelivered(sidecar);
    assertThat(delivered.size()).as("jitter around the new value").isEqualTo(before + 1);

    // A drift of 1 °C per sample up to 80 °C: published each time it adds up to 2 °C.
    gpu.temperature(k -> 70 + Math.min(k, 10));
    Await.until("the drift published up to 80 °C", () -> temperature(delivered.getLast()) == 80);
    awaitDelivered(sidecar);
    assertThat(delivered.subList(before, delivered.size())).extracting(SidecarVerticleTest::temperature)
        .containsExactly(70, 72, 74, 76, 78, 80);
    assertThat(published(sidecar, SidecarMetrics.PublishReason.HEARTBEAT)).isZero();
  }
}
