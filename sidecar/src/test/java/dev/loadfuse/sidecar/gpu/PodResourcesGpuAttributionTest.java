package dev.loadfuse.sidecar.gpu;

import static dev.loadfuse.sidecar.gpu.PodResourcesClientTest.container;
import static dev.loadfuse.sidecar.gpu.PodResourcesClientTest.devices;
import static dev.loadfuse.sidecar.gpu.PodResourcesClientTest.pod;
import static dev.loadfuse.sidecar.gpu.PodResourcesClientTest.response;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PodRef;
import dev.loadfuse.discovery.PoolRef;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodResourcesGpuAttributionTest {

  private static final PoolRef POOL = PoolRef.of("llm", "pool");

  private static Endpoint ep(String name, PodRef pod) {
    return Endpoint.builder(name, "10.0.0.1", 8000, POOL).pod(pod).build();
  }

  private static final EndpointSet ENDPOINTS =
      EndpointSet.of(
          ep("vllm-0", new PodRef("llm", "vllm-0", "u0")),
          ep("dp-0-rank-0", new PodRef("llm", "dp-0", "u1")),
          ep("dp-0-rank-1", new PodRef("llm", "dp-0", "u1")),
          ep("new-0", new PodRef("llm", "new-0", "u2")),
          Endpoint.builder("static", "10.0.0.9", 8000, POOL).gpus(List.of("GPU-static")).build());

  @Test
  void fromEndpointsFile_isIdentity() {
    assertThat(GpuAttribution.fromEndpointsFile().attribute(ENDPOINTS)).isSameAs(ENDPOINTS);
  }

  @Test
  void refresh_thenAttribute_joinsOnPodNamespaceAndName_keepsLastGoodOnFailure(@TempDir Path dir)
      throws Exception {
    assumeTrue(Epoll.isAvailable(), "unix sockets need Linux epoll");
    Path socket = dir.resolve("kubelet.sock");
    try (FakeKubelet kubelet = FakeKubelet.serving(socket);
        PodResourcesGpuAttribution attribution =
            new PodResourcesGpuAttribution(
                new PodResourcesClient(PodResourcesOptions.DEFAULTS.withSocket(socket)))) {
      assertThat(attribution.current()).isEqualTo(PodGpus.EMPTY);
      assertThat(attribution.attribute(ENDPOINTS)).isSameAs(ENDPOINTS); // nothing known yet

      kubelet.answer =
          FakeKubelet.Answer.of(
              response(
                  pod("llm", "vllm-0", container("c", devices("nvidia.com/gpu", "GPU-0"))),
                  pod("llm", "dp-0", container("c", devices("nvidia.com/mig-1g.10gb", "MIG-1", "MIG-2"))),
                  pod("other", "new-0", container("c", devices("nvidia.com/gpu", "GPU-9")))));
      attribution.refresh().get(20, TimeUnit.SECONDS);
      EndpointSet attributed = attribution.attribute(ENDPOINTS);
      assertThat(gpus(attributed, "vllm-0")).containsExactly("GPU-0");
      assertThat(gpus(attributed, "dp-0-rank-0")).containsExactly("MIG-1", "MIG-2");
      assertThat(gpus(attributed, "dp-0-rank-1")).containsExactly("MIG-1", "MIG-2");
      assertThat(gpus(attributed, "new-0")).as("same name, other namespace").isEmpty();
      assertThat(gpus(attributed, "static")).as("no pod: left as is").containsExactly("GPU-static");

      kubelet.answer = FakeKubelet.Answer.fail(Status.UNAVAILABLE.withDescription("kubelet restarting"));
      assertThatThrownBy(() -> attribution.refresh().get(20, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause()
          .isInstanceOf(PodResourcesException.class)
          .hasMessage("podresources: cannot reach unix://" + socket + ": kubelet restarting");
      assertThat(attribution.attribute(ENDPOINTS)).as("last good mapping kept").isEqualTo(attributed);
    }
  }

  private static List<String> gpus(EndpointSet set, String name) {
    return set.find(POOL, name).orElseThrow().gpus();
  }
}
