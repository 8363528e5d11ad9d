package dev.loadfuse.picker.cli;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code picker.jar --endpoints-file F --mock-gpus G --config-file config-examples/epc-gpu-aware.yaml}:
 * the in-process sidecar reads the mock GPUs, so the GPU-aware config routes on GPU data with no
 * remote sidecar. Four engines with the same load; the one whose GPU is healthy but the busiest
 * takes every request: the throttled, the too hot and the lost GPU's endpoints are left out,
 * although the GPU scorers alone would prefer them.
 */
class LocalGpuAwareRoutingTest {

  private static final Path EXAMPLES = Path.of(System.getProperty("loadfuse.configExamples", "../config-examples"));

  @Test
  void mockGpus_inTheInProcessSidecar_steerAwayFromThrottledHotAndLostGpus(@TempDir Path dir) throws Exception {
    Vertx engines = Vertx.vertx();
    try (FakeEngineServer busy = FakeEngineServer.start(engines, Format.VLLM).load(1, 1, 0.3);
         FakeEngineServer throttled = FakeEngineServer.start(engines, Format.VLLM).load(1, 1, 0.3);
         FakeEngineServer hot = FakeEngineServer.start(engines, Format.VLLM).load(1, 1, 0.3);
         FakeEngineServer lost = FakeEngineServer.start(engines, Format.VLLM).load(1, 1, 0.3)) {
      Path endpoints = Files.writeString(dir.resolve("endpoints.yaml"), "pool: {name: local-pool}\nendpoints:\n"
          + busy.endpointEntry("busy") + "    gpus: [GPU-busy]\n"
          + throttled.endpointEntry("throttled") + "    gpus: [GPU-throttled]\n"
          + hot.endpointEntry("hot") + "    gpus: [GPU-hot]\n"
          + lost.endpointEntry("lost") + "    gpus: [GPU-lost]\n");
      Path gpus = Files.writeString(dir.resolve("gpus.yaml"), """
          gpus:
            - {uuid: GPU-busy, name: H100, memoryTotalBytes: 100, memoryUsedBytes: 90, gpuUtilization: 0.95, temperatureC: 70}
            - {uuid: GPU-throttled, name: H100, memoryTotalBytes: 100, memoryUsedBytes: 5, gpuUtilization: 0.05,
               temperatureC: 50, throttleReasons: [HwSlowdown]}
            - {uuid: GPU-hot, name: H100, memoryTotalBytes: 100, memoryUsedBytes: 5, gpuUtilization: 0.05, temperatureC: 95}
            - {uuid: GPU-lost, name: H100, memoryTotalBytes: 100, memoryUsedBytes: 5, gpuUtilization: 0.05,
               faults: [{lost: {afterSamples: 0}}]}
          """);

      try (RunningPicker picker = RunningPicker.start(
          "--endpoints-file", endpoints.toString(), "--mock-gpus", gpus.toString(),
          "--config-file", EXAMPLES.resolve("epc-gpu-aware.yaml").toString(), "--secure-serving=false",
          "--grpc-port", "0", "--grpc-health-port", "0", "--metrics-port", "0",
          "--refresh-metrics-interval", "20ms")) {
        PickerServer server = picker.server;
        assertThat(picker.out.toString()).contains("4 endpoint(s) from " + endpoints, "in-process sidecar (GPUs: mock " + gpus + " (4 GPUs))");
        Await.until("GPU readings of every endpoint, the lost one out", () -> {
          int withGpus = 0;
          for (EndpointState s : server.datastore().all()) {
            if (s.vector() != null && s.vector().hasWaitingRequests() && !s.vector().gpus().isEmpty()) {
              withGpus++;
            }
          }
          return withGpus == 4 && server.datastore().routable().length == 3;
        });

        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
          for (int i = 0; i < 5; i++) {
            try (EnvoyStream s = new EnvoyStream(channel)) {
              s.send(EnvoyStream.post("/v1/completions"))
                  .send(EnvoyStream.requestBody("{\"model\":\"m\",\"prompt\":\"question " + i + "\"}", true));
              ProcessingResponse r = s.next();
              assertThat(EnvoyStream.setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(),
                  "x-gateway-destination-endpoint")).as("request %d", i).isEqualTo("127.0.0.1:" + busy.port());
              s.untilRequestBodyEnd();
              s.send(EnvoyStream.responseHeaders(true, ":status", "200"));
              s.next();
            }
          }
        } finally {
          channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }

        String metrics = Http.get("http://127.0.0.1:" + server.metricsPort() + "/metrics");
        assertThat(metrics).contains(
            "loadfuse_picker_endpoints_filtered_total{filter=\"gpu-health-filter\",filter_type=\"gpu-health-filter\",reason=\"throttled\"} 5.0",
            "loadfuse_picker_endpoints_filtered_total{filter=\"gpu-health-filter\",filter_type=\"gpu-health-filter\",reason=\"temperature\"} 5.0",
            "DCGM_FI_DEV_GPU_UTIL{");
      }
    } finally {
      engines.close().await(20, TimeUnit.SECONDS);
    }
  }
}
