package dev.loadfuse.picker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loadfuse.common.testing.Http;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.server.PickerServer;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.FakeEngineServer;
import dev.loadfuse.picker.testing.FakeEngineServer.Format;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance: {@code picker --endpoints-file F --secure-serving=false} with three local
 * engines (vLLM, SGLang, Triton pages with fixed, different loads) routes a completion to the
 * least loaded one, and {@code GET /v1/endpoints} shows the three vectors.
 */
class AcceptanceTest {

  @Test
  void routesToTheLeastLoadedOfThreeEngines_andShowsTheirVectors(@TempDir Path dir) throws Exception {
    Vertx engines = Vertx.vertx();
    try (FakeEngineServer vllm = FakeEngineServer.start(engines, Format.VLLM).load(6, 10, 0.70);
         FakeEngineServer sglang = FakeEngineServer.start(engines, Format.SGLANG).load(0, 2, 0.10);
         FakeEngineServer triton = FakeEngineServer.start(engines, Format.TRITON).load(12, 16, 0.95)) {
      Path file = dir.resolve("endpoints.yaml");
      Files.writeString(file, "pool: {name: local-pool}\nendpoints:\n"
          + vllm.endpointEntry("vllm-0") + sglang.endpointEntry("sglang-0") + triton.endpointEntry("triton-0"));

      try (RunningPicker picker = RunningPicker.start("--endpoints-file", file.toString(), "--secure-serving=false",
          "--grpc-port", "0", "--grpc-health-port", "0", "--metrics-port", "0", "--refresh-metrics-interval", "20ms")) {
        PickerServer server = picker.server;
        assertThat(picker.out.toString()).contains("loadfuse picker: ext_proc on :" + server.grpcPort(), "3 endpoint(s)");
        Await.until("vectors of the three engines", () -> {
          for (EndpointState s : server.datastore().all()) {
            if (s.vector() == null || !s.vector().hasWaitingRequests()) {
              return false;
            }
          }
          return server.datastore().all().length == 3;
        });

        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
          for (int i = 0; i < 3; i++) {
            try (EnvoyStream s = new EnvoyStream(channel)) {
              s.send(EnvoyStream.post("/v1/completions"))
                  .send(EnvoyStream.requestBody("{\"model\":\"meta-llama/Llama-3.1-8B-Instruct\",\"prompt\":\"Hello\"}", true));
              ProcessingResponse r = s.next();
              assertThat(EnvoyStream.setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(),
                  "x-gateway-destination-endpoint")).isEqualTo("127.0.0.1:" + sglang.port());
              s.untilRequestBodyEnd();
              s.send(EnvoyStream.responseHeaders(true, ":status", "200"));
              s.next();
            }
          }
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        JsonNode json = new ObjectMapper().readTree(Http.get("http://127.0.0.1:" + server.metricsPort() + "/v1/endpoints"));
        Map<String, JsonNode> byName = new HashMap<>();
        json.get("endpoints").forEach(n -> byName.put(n.get("name").asText(), n));
        assertThat(byName).containsOnlyKeys("vllm-0", "sglang-0", "triton-0");
        assertThat(byName.get("vllm-0").get("engine").asText()).isEqualTo("vllm");
        assertThat(byName.get("vllm-0").get("waitingRequests").asInt()).isEqualTo(6);
        assertThat(byName.get("sglang-0").get("engine").asText()).isEqualTo("sglang");
        assertThat(byName.get("sglang-0").get("kvCacheUsage").asDouble()).isEqualTo(0.10);
        assertThat(byName.get("triton-0").get("engine").asText()).isEqualTo("triton-tensorrt-llm");
        assertThat(byName.get("triton-0").get("runningRequests").asInt()).isEqualTo(16);
        assertThat(byName.get("sglang-0").get("hostPort").asText()).isEqualTo("127.0.0.1:" + sglang.port());
        assertThat(byName.get("sglang-0").get("routable").asBoolean()).isTrue();

        String metrics = Http.get("http://127.0.0.1:" + server.metricsPort() + "/metrics");
        assertThat(metrics).contains(
            "inference_objective_request_total{model_name=\"meta-llama/Llama-3.1-8B-Instruct\",priority=\"0\",target_model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 3.0",
            "inference_pool_ready_pods{name=\"local-pool\"} 3.0",
            "inference_extension_scheduler_e2e_duration_seconds_count 3",
            "loadfuse_picker_added_latency_seconds_count 3",
            "inference_extension_plugin_duration_seconds_count{extension_point=\"Scorer\",plugin_name=\"queue-scorer\",plugin_type=\"queue-scorer\"} 3",
            "inference_objective_running_requests{model_name=\"meta-llama/Llama-3.1-8B-Instruct\"} 0.0",
            "loadfuse_sidecar_published_vectors_total");
      }
    } finally {
      engines.close().await(20, TimeUnit.SECONDS);
    }
  }
}
