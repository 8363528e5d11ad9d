package dev.loadfuse.picker.plugins.scorer.prefix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.FakeEngineServer;
import dev.loadfuse.picker.testing.FakeEngineServer.Format;
import dev.loadfuse.picker.testing.PickerFixture;
import dev.loadfuse.picker.testing.TestConfigs;
import dev.loadfuse.picker.testing.TestConfigs.Scorer;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: three fake vLLM servers scraped by the picker, the reference's default profile with
 * the prefix-cache scorer, and a grpc-java client speaking ext_proc as Envoy does.
 */
class PrefixAffinityAcceptanceTest {

  static final String CONFIG = TestConfigs.weightedProfile(List.of(new Scorer("queue-scorer", 2),
      new Scorer("kv-cache-utilization-scorer", 2), new Scorer("prefix-cache-scorer", 3,
          "{blockSizeTokens: 16, maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 31250}")), "");

  static final String SYSTEM = "You are a support agent for a GPU cloud. ".repeat(60); // ~2.4 KB shared prefix

  static String chat(String question) {
    return "{\"model\":\"llama\",\"messages\":[{\"role\":\"system\",\"content\":\"" + SYSTEM
        + "\"},{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
  }

  /** Sends one chat request through the picker, completes it, and returns the chosen endpoint. */
  static String route(PickerFixture picker, String body) {
    return route(picker.stream(), body);
  }

  /** As {@link #route(PickerFixture, String)}, on {@code stream} (closed here). */
  static String route(EnvoyStream stream, String body) {
    try (EnvoyStream s = stream) {
      s.send(EnvoyStream.post("/v1/chat/completions")).send(EnvoyStream.requestBody(body, true));
      ProcessingResponse r = s.next();
      String to = EnvoyStream.setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(),
          "x-gateway-destination-endpoint");
      s.untilRequestBodyEnd();
      s.send(EnvoyStream.responseHeaders(true, ":status", "200"));
      s.next();
      return to;
    }
  }

  @Test
  void sameLongPrefix_goesToTheSameEndpoint_untilThatEndpointIsOverloaded(@TempDir Path dir) throws Exception {
    Vertx engines = Vertx.vertx();
    try (FakeEngineServer a = FakeEngineServer.start(engines, Format.VLLM).load(0, 1, 0.10);
         FakeEngineServer b = FakeEngineServer.start(engines, Format.VLLM).load(0, 1, 0.10);
         FakeEngineServer c = FakeEngineServer.start(engines, Format.VLLM).load(0, 1, 0.10);
         PickerFixture picker = PickerFixture.start(dir,
             a.endpointEntry("a") + b.endpointEntry("b") + c.endpointEntry("c"), CONFIG, null,
             s -> s.setRefreshMetricsInterval(java.time.Duration.ofMillis(20)))) {
      Await.until("vectors of the three engines", () -> {
        EndpointState[] all = picker.server.datastore().all();
        for (EndpointState e : all) {
          if (e.vector() == null || !e.vector().hasWaitingRequests()) {
            return false;
          }
        }
        return all.length == 3;
      });

      String first = route(picker, chat("How do I resize a volume?"));
      for (int i = 0; i < 5; i++) {
        assertThat(route(picker, chat("Follow-up question number " + i + " about billing?")))
            .as("request %d with the same system prompt", i).isEqualTo(first);
      }
      assertThat(picker.get("/metrics")).contains("inference_extension_prefix_indexer_hit_ratio_count");

      // The endpoint holding the prefix fills up: long queue, KV cache nearly full.
      FakeEngineServer holder = first.endsWith(":" + a.port()) ? a : first.endsWith(":" + b.port()) ? b : c;
      holder.load(20, 30, 0.97);
      Await.until("the overload to be scraped", () -> {
        EndpointState e = picker.server.datastore().get(first);
        return e.vector() != null && e.vector().waitingRequests() == 20;
      });
      String next = route(picker, chat("Another question?"));
      assertThat(next).isNotEqualTo(first);
      // And the new endpoint now holds the prefix too: it keeps the conversation while the first is busy.
      assertThat(route(picker, chat("Yet another question?"))).isEqualTo(next);
    } finally {
      engines.close().await();
    }
  }

  @Test
  void withoutASharedPrefix_requestsSpreadByLoad(@TempDir Path dir) throws Exception {
    Vertx engines = Vertx.vertx();
    try (FakeEngineServer a = FakeEngineServer.start(engines, Format.VLLM).load(0, 1, 0.10);
         FakeEngineServer b = FakeEngineServer.start(engines, Format.VLLM).load(0, 1, 0.10);
         PickerFixture picker = PickerFixture.start(dir, a.endpointEntry("a") + b.endpointEntry("b"), CONFIG, null,
             s -> s)) {
      Await.until("vectors", () -> picker.server.datastore().all().length == 2
          && picker.server.datastore().all()[0].vector() != null && picker.server.datastore().all()[1].vector() != null);
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < 40 && seen.size() < 2; i++) {
        // Distinct prompts from the first character on: no prefix in common.
        seen.add(route(picker, "{\"model\":\"llama\",\"messages\":[{\"role\":\"user\",\"content\":\"" + i + " "
            + "z".repeat(300) + "\"}]}"));
      }
      assertThat(seen).hasSize(2);
    } finally {
      engines.close().await();
    }
  }
}
