package dev.loadfuse.benchmarks.sidecar;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.engine.EngineMetricsExtractor;
import dev.loadfuse.engine.EngineSample;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.discovery.file.EndpointsFile;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The harnesses rely on what the fleet serves: the vLLM adapter reads the queue it was set to. */
class FakeVllmFleetTest {

  @Test
  void setWaiting_isWhatTheVllmAdapterReads_andTheFilesMatchTheServers(@TempDir Path dir) throws Exception {
    Vertx vertx = Vertx.vertx();
    try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      FakeVllmFleet fleet = FakeVllmFleet.start(vertx, 2);
      EngineMetricsExtractor vllm = EngineMetricsExtractor.forConfig(ModelServerMetricsConfig.defaults().require("vllm"));

      assertThat(waiting(http, vllm, fleet.port(1))).isEqualTo(FakeVllmFleet.OTHER_ENGINES_WAITING);
      fleet.setWaiting(1, 1234);
      assertThat(waiting(http, vllm, fleet.port(1))).isEqualTo(1234 + FakeVllmFleet.OTHER_ENGINES_WAITING);
      assertThat(waiting(http, vllm, fleet.port(0))).isEqualTo(FakeVllmFleet.OTHER_ENGINES_WAITING);
      assertThat(fleet.firstServedNanos(1)).isPositive();
      assertThat(fleet.pageBytes()).isBetween(90_000, 130_000);

      fleet.writeEndpointsFile(dir.resolve("endpoints.yaml"));
      fleet.writeMockGpus(dir.resolve("gpus.yaml"));
      var endpoints = EndpointsFile.load(dir.resolve("endpoints.yaml"));
      assertThat(endpoints).extracting(e -> e.port()).containsExactlyInAnyOrder(fleet.port(0), fleet.port(1));
      try (var probe = GpuProbes.mock(dir.resolve("gpus.yaml"))) {
        assertThat(probe.sample().gpus().keySet())
            .containsExactly(FakeVllmFleet.gpuUuid(0), FakeVllmFleet.gpuUuid(1));
      }
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  private static long waiting(HttpClient http, EngineMetricsExtractor vllm, int port) throws Exception {
    byte[] page = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofByteArray()).body();
    EngineSample s = vllm.extract(page);
    return (long) s.waitingRequests().orElseThrow();
  }
}
