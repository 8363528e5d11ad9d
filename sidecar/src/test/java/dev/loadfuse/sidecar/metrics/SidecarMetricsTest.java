package dev.loadfuse.sidecar.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.List;
import org.junit.jupiter.api.Test;

class SidecarMetricsTest {

  private static final EndpointId VLLM_0 = new EndpointId("vllm-0", "10.0.0.1", 8000, "pool");

  private static GpuSample gpu(String uuid, int index) {
    return GpuSample.builder(uuid, index).build();
  }

  private static List<String> gpuInfoLines(SidecarMetrics m) {
    return m.scrape().lines().filter(l -> l.startsWith("loadfuse_endpoint_gpu_assigned{")).sorted().toList();
  }

  @Test
  void gpuInfo_tiesEachGpuUuidToItsEndpoint_andFollowsReattribution() {
    SidecarMetrics m = new SidecarMetrics();
    LoadVector v = LoadVector.unknown(VLLM_0, "vllm");
    m.endpoint(v);
    assertThat(gpuInfoLines(m)).isEmpty();

    m.endpoint(v.withGpus(List.of(gpu("GPU-a", 0), gpu("GPU-b", 1)), 1));
    assertThat(gpuInfoLines(m)).containsExactly(
        "loadfuse_endpoint_gpu_assigned{UUID=\"GPU-a\",endpoint=\"vllm-0\",pool=\"pool\"} 1.0",
        "loadfuse_endpoint_gpu_assigned{UUID=\"GPU-b\",endpoint=\"vllm-0\",pool=\"pool\"} 1.0");

    m.endpoint(v.withGpus(List.of(gpu("GPU-b", 1), gpu("GPU-c", 2)), 2)); // the pod was rescheduled
    assertThat(gpuInfoLines(m)).containsExactly(
        "loadfuse_endpoint_gpu_assigned{UUID=\"GPU-b\",endpoint=\"vllm-0\",pool=\"pool\"} 1.0",
        "loadfuse_endpoint_gpu_assigned{UUID=\"GPU-c\",endpoint=\"vllm-0\",pool=\"pool\"} 1.0");

    m.endpointRemoved("pool", "vllm-0");
    assertThat(gpuInfoLines(m)).isEmpty();
    assertThat(m.scrape()).doesNotContain("loadfuse_endpoint_waiting_requests{");
  }
}
