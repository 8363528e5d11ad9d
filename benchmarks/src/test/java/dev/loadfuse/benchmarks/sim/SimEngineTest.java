package dev.loadfuse.benchmarks.sim;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.common.testing.Await;
import dev.loadfuse.engine.EngineMetricsExtractor;
import dev.loadfuse.engine.EngineSample;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.nvml.ThrottleReason;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** A simulated engine over real HTTP: OpenAI answers, and /metrics read by our own engine adapters. */
class SimEngineTest {

  private static final String MODEL = "meta-llama/Llama-3.1-8B-Instruct";
  private static Vertx vertx;
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void start() {
    vertx = Vertx.vertx();
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static EngineProfile profile(EngineKind kind) {
    return new EngineProfile(kind, MODEL, 2, 8192, 100, 16, 0.0001, 0.01, 0.001, 2, 0.05, 1.0);
  }

  private static String post(SimEngine e, String path, String body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + path))
        .POST(HttpRequest.BodyPublishers.ofString(body)).header("content-type", "application/json").build(),
        HttpResponse.BodyHandlers.ofString()).body();
  }

  /** A simulated engine of {@code kind} on a clock running {@code speed} times real time, serving on a free port. */
  private SimEngine engine(String name, EngineKind kind, double speed) throws Exception {
    return SimEngine.start(vertx, name, profile(kind), SimClock.startingNow(speed), 0).await(10, TimeUnit.SECONDS);
  }

  @Test
  void streamingCompletion_sendsEveryTokenThenUsageThenDone() throws Exception {
    SimEngine e = engine("e0", EngineKind.VLLM_V1, 100);
    try {
      String body = post(e, "/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\""
          + "abc ".repeat(40) + "\",\"max_tokens\":20,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
      List<String> events = body.lines().filter(l -> l.startsWith("data: ")).toList();
      assertThat(events.getLast()).isEqualTo("data: [DONE]");
      String usage = events.get(events.size() - 2);
      assertThat(usage).contains("\"prompt_tokens\":40", "\"completion_tokens\":20", "\"cached_tokens\":0");
      int tokens = events.stream().mapToInt(l -> l.split(" tok", -1).length - 1).sum();
      assertThat(tokens).isEqualTo(20);

      String again = post(e, "/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\","
          + "\"content\":\"" + "abc ".repeat(40) + "\"}],\"max_tokens\":3}");
      assertThat(again).contains("\"object\":\"chat.completion\"", "\"completion_tokens\":3",
          "\"cached_tokens\":32"); // two full blocks of the same prompt, cached by the first request
    } finally {
      e.close();
    }
  }

  @Test
  void badRequests_getA400NamingTheProblem() throws Exception {
    SimEngine e = engine("e1", EngineKind.VLLM_V1, 100);
    try {
      assertThat(post(e, "/v1/completions", "{\"model\":\"m\"}")).contains("prompt: missing (expected: a string)");
      assertThat(post(e, "/v1/chat/completions", "{\"model\":\"m\",\"messages\":[]}"))
          .contains("messages: missing or empty");
      assertThat(post(e, "/v1/completions", "{nope")).contains("invalid JSON");
    } finally {
      e.close();
    }
  }

  /** Three requests on an engine that runs two at a time, in slow motion so the page holds still. */
  @ParameterizedTest
  @EnumSource(EngineKind.class)
  void metricsPage_parsesWithOurAdapterIntoTheEngineState(EngineKind kind) throws Exception {
    SimEngine e = engine("m-" + kind.id(), kind, 0.001);
    try {
      SimRequest[] three = new SimRequest[3];
      for (int i = 0; i < 3; i++) {
        three[i] = new SimRequest(i == 0 ? "sql-lora" : MODEL, MODEL, "abc ".repeat(64) + i, 100, 16, (r, n, f) -> { });
      }
      e.submit(three);
      Await.until("two requests running", () -> e.snapshot().running() >= 2);
      byte[] page = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + e.port() + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofByteArray()).body();
      EngineSample s = EngineMetricsExtractor.forConfig(ModelServerMetricsConfig.defaults().require(kind.engineLabel()))
          .extract(page);

      assertThat(s.runningRequests()).hasValue(2);
      assertThat(s.waitingRequests()).hasValue(1);
      // the page shows what the model holds (the adapter request shares no blocks with the others)
      assertThat(s.kvCacheUsage().getAsDouble()).isEqualTo(e.snapshot().kvCacheUsage()).isGreaterThan(0.2);
      assertThat(s.missing()).isEmpty();
      if (kind == EngineKind.VLLM_V1 || kind == EngineKind.VLLM_V0) {
        assertThat(s.lora()).hasValueSatisfying(l -> {
          assertThat(l.runningAdapters()).containsExactly("sql-lora");
          assertThat(l.maxLora()).hasValue(2);
        });
      }
      {
        assertThat(s.cacheBlockSize()).hasValue(16);
        assertThat(s.numGpuBlocks()).hasValue(100);
      }
    } finally {
      e.close();
    }
  }

  @Test
  void gpuProbe_reportsAThrottledEngineAsThrottled() throws Exception {
    SimEngine fast = engine("g0", EngineKind.VLLM_V1, 100);
    SimEngine slow = engine("g1", EngineKind.VLLM_V1, 100);
    try (SimGpuProbe probe = new SimGpuProbe(List.of(fast, slow))) {
      slow.speedFactor(0.5);
      var snapshot = probe.sample();
      assertThat(snapshot.gpus()).containsOnlyKeys(SimGpuProbe.uuidOf(0), SimGpuProbe.uuidOf(1));
      assertThat(snapshot.gpu(SimGpuProbe.uuidOf(1)).orElseThrow().throttleReasons())
          .hasValueSatisfying(r -> assertThat(r).contains(ThrottleReason.HW_SLOWDOWN));
      assertThat(snapshot.gpu(SimGpuProbe.uuidOf(0)).orElseThrow().throttleReasons())
          .hasValueSatisfying(r -> assertThat(r).doesNotContain(ThrottleReason.HW_SLOWDOWN));
    } finally {
      fast.close();
      slow.close();
    }
  }
}
