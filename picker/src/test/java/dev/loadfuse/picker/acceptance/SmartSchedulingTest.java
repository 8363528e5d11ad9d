package dev.loadfuse.picker.acceptance;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.responseHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.setHeader;
import static dev.loadfuse.picker.testing.EnvoyStream.withSubset;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.FakeEngineServer;
import dev.loadfuse.picker.testing.FakeEngineServer.Format;
import dev.loadfuse.picker.testing.PickerFixture;
import dev.loadfuse.picker.testing.TestConfigs;
import dev.loadfuse.picker.testing.TestConfigs.Scorer;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The reference's scheduling cases end to end: real vLLM/SGLang metric pages served over HTTP,
 * scraped by the picker's in-process sidecar, and requests driven through the real ext_proc server
 * with grpc-java, as Envoy would. Each test sets the engines' load and waits until the picker has
 * seen it.
 */
class SmartSchedulingTest {

  private static final String OBJECTS = """
      apiVersion: inference.networking.x-k8s.io/v1alpha2
      kind: InferenceObjective
      metadata: {name: batch}
      spec: {priority: -1}
      """;

  /**
   * The default profile plus LoRA affinity (weight 1); the detector's staleness threshold is long so
   * that a slow scrape on a busy test machine does not read as saturation.
   */
  private static final String CONFIG = TestConfigs.weightedProfile(List.of(new Scorer("queue-scorer", 2),
      new Scorer("kv-cache-utilization-scorer", 2), new Scorer("lora-affinity-scorer", 1)),
      "saturationDetector: {queueDepthThreshold: 5, kvCacheUtilThreshold: 0.8, metricsStalenessThreshold: 30s}\n");

  static Vertx engines;
  static FakeEngineServer vllmA;
  static FakeEngineServer vllmB;
  static FakeEngineServer sglang;
  static PickerFixture picker;

  @BeforeAll
  static void start() throws Exception {
    engines = Vertx.vertx();
    vllmA = FakeEngineServer.start(engines, Format.VLLM);
    vllmB = FakeEngineServer.start(engines, Format.VLLM);
    sglang = FakeEngineServer.start(engines, Format.SGLANG);
    Path dir = Files.createTempDirectory("smart-scheduling");
    picker = PickerFixture.start(dir, vllmA.endpointEntry("vllm-a") + vllmB.endpointEntry("vllm-b")
        + sglang.endpointEntry("sglang-c"), CONFIG, OBJECTS, s -> s.setRefreshMetricsInterval(java.time.Duration.ofMillis(20)));
  }

  @AfterAll
  static void stop() throws Exception {
    picker.close();
    engines.close().await(20, TimeUnit.SECONDS);
  }

  @BeforeEach
  void noLora() {
    vllmA.lora("", "", 0);
    vllmB.lora("", "", 0);
  }

  @Test
  void lowerQueueAndKv_wins() {
    load(vllmA, 3, 0.6);
    load(vllmB, 0, 0.1);
    load(sglang, 2, 0.3);
    assertThat(route(post("/v1/completions"), "base")).isEqualTo(hostPort(vllmB));
  }

  @Test
  void loraAffinity_beatsASlightlyHigherKv() {
    vllmA.lora("sql-lora", "", 1);  // holds the adapter
    vllmB.lora("other", "", 1);     // its only slot is taken
    load(vllmA, 0, 0.30);
    load(vllmB, 0, 0.20);
    load(sglang, 4, 0.9);           // no LoRA metrics: neutral, but loaded
    Await.until("LoRA state seen", () -> state(vllmA).vector().lora() != null
        && state(vllmA).vector().lora().runningAdapters().contains("sql-lora"));
    assertThat(route(post("/v1/completions"), "sql-lora")).isEqualTo(hostPort(vllmA));
    // Without the adapter in play, KV decides: the base model goes to B.
    assertThat(route(post("/v1/completions"), "base")).isEqualTo(hostPort(vllmB));
  }

  @Test
  void noSheddingByDefault_evenWhenSaturated() {
    load(vllmA, 9, 0.95);
    load(vllmB, 8, 0.9);
    load(sglang, 7, 0.85);
    assertThat(route(post("/v1/completions"), "base")).isIn(hostPort(vllmA), hostPort(vllmB), hostPort(sglang));
  }

  @Test
  void sheddableRequest_isRefusedOnlyWhileSaturated() {
    load(vllmA, 9, 0.95);
    load(vllmB, 8, 0.9);
    load(sglang, 7, 0.85);
    try (EnvoyStream s = picker.stream()) {
      s.send(post("/v1/completions", "x-gateway-inference-objective", "batch")).send(requestBody(body("base"), true));
      ProcessingResponse r = s.next();
      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(429);
      assertThat(r.getImmediateResponse().getBody().toStringUtf8()).isEqualTo("inference error: ResourceExhausted"
          + " - request dropped: the pool is saturated and the request is sheddable (priority -1)");
    }
    assertThat(picker.get("/metrics")).containsPattern(
        "loadfuse_picker_shed_requests_total\\{model_name=\"base\",target_model_name=\"base\"} [1-9]");

    load(vllmA, 1, 0.2);
    load(vllmB, 0, 0.1);
    load(sglang, 2, 0.3);
    assertThat(route(post("/v1/completions", "x-gateway-inference-objective", "batch"), "base")).isEqualTo(hostPort(vllmB));
  }

  @Test
  void subsetHint_restrictsTheChoice_evenToABusierEndpoint() {
    load(vllmA, 4, 0.7);
    load(vllmB, 0, 0.1);
    load(sglang, 1, 0.2);
    assertThat(route(withSubset(post("/v1/completions"), hostPort(vllmA), hostPort(sglang)), "base"))
        .isEqualTo(hostPort(sglang));
    assertThat(route(withSubset(post("/v1/completions"), hostPort(vllmA)), "base")).isEqualTo(hostPort(vllmA));
  }

  @Test
  void poolMetrics_onTheRealMetricsEndpoint() {
    load(vllmA, 4, 0.5);
    load(vllmB, 0, 0.25);
    load(sglang, 2, 0.75);
    String metrics = picker.get("/metrics");
    assertThat(metrics).contains(
        "inference_pool_average_kv_cache_utilization{name=\"test-pool\"} 0.5",
        "inference_pool_average_queue_size{name=\"test-pool\"} 2.0",
        "inference_pool_per_pod_queue_size{model_server_pod=\"vllm-a\",name=\"test-pool\"} 4.0",
        "inference_pool_per_pod_queue_size{model_server_pod=\"sglang-c\",name=\"test-pool\"} 2.0",
        "inference_pool_ready_pods{name=\"test-pool\"} 3.0",
        "loadfuse_picker_fail_open 0.0");
  }

  // ---- helpers ----

  private static String body(String model) {
    return "{\"model\":\"" + model + "\",\"prompt\":\"Hello\"}";
  }

  /** Sends one completion for {@code model}, finishes it, and returns the primary destination. */
  private static String route(ProcessingRequest headers, String model) {
    try (EnvoyStream s = picker.stream()) {
      s.send(headers).send(requestBody(body(model), true));
      ProcessingResponse r = s.next();
      assertThat(r.hasImmediateResponse()).as("routed, not refused: %s", r).isFalse();
      String dest = setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(), "x-gateway-destination-endpoint");
      s.untilRequestBodyEnd();
      s.send(responseHeaders(true, ":status", "200"));
      s.next();
      EndpointState ep = picker.server.datastore().get(dest.split(",")[0]);
      Await.until("request released", () -> ep.inFlight() == 0);
      return dest.split(",")[0];
    }
  }

  private static void load(FakeEngineServer engine, int waiting, double kv) {
    engine.load(waiting, 0, kv);
    Await.until(engine.format() + " load " + waiting + "/" + kv + " seen", () -> {
      EndpointState s = state(engine);
      return s != null && s.vector() != null && s.vector().waitingRequests() == waiting
          && Math.abs(s.vector().kvCacheUsage() - kv) < 1e-6
          && (engine.format() != Format.VLLM || loraSeen(engine, s));
    });
  }

  /** The vector carries the LoRA line the engine serves now (or none when LoRA is off). */
  private static boolean loraSeen(FakeEngineServer engine, EndpointState s) {
    var lora = s.vector().lora();
    String expected = engine.currentLora();
    if (expected.isEmpty()) {
      return lora == null || lora.maxLora().orElse(0) == 0;
    }
    return lora != null && String.join(",", lora.runningAdapters()).equals(expected);
  }

  private static EndpointState state(FakeEngineServer engine) {
    return picker.server.datastore().get(hostPort(engine));
  }

  private static String hostPort(FakeEngineServer engine) {
    return "127.0.0.1:" + engine.port();
  }
}
