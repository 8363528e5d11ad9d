package dev.loadfuse.sidecar.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loadfuse.sidecar.gpu.podresources.v1.ContainerDevices;
import dev.loadfuse.sidecar.gpu.podresources.v1.ContainerResources;
import dev.loadfuse.sidecar.gpu.podresources.v1.ListPodResourcesResponse;
import dev.loadfuse.sidecar.gpu.podresources.v1.PodResources;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.channel.epoll.Epoll;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PodResourcesClientTest {

  @TempDir Path dir;
  private Path socket;
  private PodResourcesClient client;

  @BeforeAll
  static void linuxOnly() {
    assumeTrue(Epoll.isAvailable(), "unix sockets need Linux epoll: " + Epoll.unavailabilityCause());
  }

  @BeforeEach
  void setUp() {
    socket = dir.resolve("kubelet.sock");
    client = new PodResourcesClient(PodResourcesOptions.DEFAULTS.withSocket(socket));
  }

  @AfterEach
  void tearDown() {
    client.close();
  }

  static ContainerDevices devices(String resource, String... ids) {
    return ContainerDevices.newBuilder().setResourceName(resource).addAllDeviceIds(List.of(ids)).build();
  }

  static PodResources pod(String ns, String name, ContainerResources... containers) {
    return PodResources.newBuilder().setNamespace(ns).setName(name).addAllContainers(List.of(containers)).build();
  }

  static ContainerResources container(String name, ContainerDevices... devices) {
    return ContainerResources.newBuilder().setName(name).addAllDevices(List.of(devices)).addCpuIds(3).build();
  }

  static ListPodResourcesResponse response(PodResources... pods) {
    return ListPodResourcesResponse.newBuilder().addAllPodResources(List.of(pods)).build();
  }

  private PodGpus list() throws Exception {
    return client.list().get(20, TimeUnit.SECONDS);
  }

  private Throwable failure() {
    try {
      client.list().get(20, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      return e;
    }
    throw new AssertionError("expected the call to fail");
  }

  @Test
  void gpusAndMigDevices_attributedPerPod_otherResourcesIgnored() throws Exception {
    try (FakeKubelet kubelet = FakeKubelet.serving(socket)) {
      kubelet.answer =
          FakeKubelet.Answer.of(
              response(
                  pod("llm", "vllm-0",
                      container("server",
                          devices("nvidia.com/gpu", "GPU-bbbb", "GPU-aaaa"),
                          devices("example.com/nic", "nic-0")),
                      container("sidecar", devices("nvidia.com/gpu", "GPU-cccc"))),
                  pod("llm", "sglang-0",
                      container("server", devices("nvidia.com/mig-1g.10gb", "MIG-1111", "MIG-2222"))),
                  pod("llm", "shared-0",
                      container("server", devices("nvidia.com/gpu", "GPU-dddd::0", "GPU-dddd::1"))),
                  pod("kube-system", "cni", container("cni", devices("example.com/nic", "nic-1"))),
                  pod("llm", "cpu-only", container("server"))));
      PodGpus gpus = list();
      assertThat(gpus.byPod())
          .isEqualTo(
              Map.of(
                  new PodGpus.PodName("llm", "vllm-0"), List.of("GPU-aaaa", "GPU-bbbb", "GPU-cccc"),
                  new PodGpus.PodName("llm", "sglang-0"), List.of("MIG-1111", "MIG-2222"),
                  new PodGpus.PodName("llm", "shared-0"), List.of("GPU-dddd")));
      assertThat(gpus.of("llm", "cpu-only")).isEmpty();
      assertThat(gpus.of("kube-system", "cni")).isEmpty();
    }
  }

  @Test
  void configuredResources_replaceTheDefaults() {
    PodResourcesOptions opts =
        PodResourcesOptions.DEFAULTS.withResources(Set.of("amd.com/gpu"), Set.of());
    PodGpus gpus =
        PodResourcesClient.gpus(
            response(pod("ns", "p", container("c",
                devices("amd.com/gpu", "GPU-1"), devices("nvidia.com/gpu", "GPU-2")))),
            opts);
    assertThat(gpus.of("ns", "p")).containsExactly("GPU-1");
  }

  @Test
  void noSocket_failsWithClearError() {
    assertThat(Files.exists(socket)).isFalse();
    assertThat(failure())
        .isInstanceOf(PodResourcesException.class)
        .hasMessage("podresources: cannot reach unix://" + socket + ": no such socket"
            + " (is /var/lib/kubelet/pod-resources mounted into this pod, and the path right?)");
  }

  @Test
  void socketWithNobodyListening_failsWithClearError() throws Exception {
    try (var _ = FakeKubelet.serving(socket)) {
      assertThat(list().byPod()).isEmpty();
    }
    if (!Files.exists(socket)) {
      Files.createFile(socket); // a stale file where the socket was
    }
    assertThat(failure())
        .isInstanceOf(PodResourcesException.class)
        .hasMessageStartingWith("podresources: cannot reach unix://" + socket + ": ")
        // Which one is reported depends on timing: the connect is refused, the first write finds the
        // socket gone, or the call went out on the old connection as the kubelet's GOAWAY arrived.
        .satisfies(e -> assertThat(e.getMessage()).containsAnyOf("Connection refused", "Broken pipe",
            "the kubelet closed the connection ("));
  }

  @Test
  void kubeletClosingTheConnectionAsTheCallGoesOut_isNamed() throws Exception {
    Files.createFile(socket);
    var goaway = io.grpc.Status.UNAVAILABLE.withDescription(
        "Abrupt GOAWAY closed unsent stream. HTTP/2 error code: NO_ERROR\nstream id: 5, GOAWAY Last-Stream-ID:3");
    assertThat(client.describe(goaway.asRuntimeException()))
        .hasMessage("podresources: cannot reach unix://" + socket + ": the kubelet closed the connection (Abrupt"
            + " GOAWAY closed unsent stream. HTTP/2 error code: NO_ERROR stream id: 5, GOAWAY Last-Stream-ID:3)"
            + " (kubelet restarting? the next refresh reconnects)");
  }

  @Test
  void serverWithoutTheService_failsAsUnimplemented() throws Exception {
    try (var _ = FakeKubelet.servingNothing(socket)) {
      assertThat(failure())
          .isInstanceOf(PodResourcesException.class)
          .hasMessage("podresources: the kubelet at unix://" + socket + " does not implement"
              + " v1.PodResourcesLister/List (UNIMPLEMENTED: Method not found: v1.PodResourcesLister/List;"
              + " kubelet older than 1.20, or the PodResources API is off?)");
    }
  }

  @Test
  void serverError_failsNamingTheStatus() throws Exception {
    try (FakeKubelet kubelet = FakeKubelet.serving(socket)) {
      kubelet.answer = FakeKubelet.Answer.fail(Status.PERMISSION_DENIED.withDescription("nope"));
      assertThat(failure())
          .isInstanceOf(PodResourcesException.class)
          .hasMessage("podresources: v1.PodResourcesLister/List on unix://" + socket
              + " failed: PERMISSION_DENIED: nope");
    }
  }

  @Test
  void slowServer_failsAtTheDeadline() throws Exception {
    client.close();
    client = new PodResourcesClient(PodResourcesOptions.DEFAULTS.withSocket(socket).withDeadline(Duration.ofMillis(200)));
    try (FakeKubelet kubelet = FakeKubelet.serving(socket)) {
      kubelet.answer = FakeKubelet.Answer.hang();
      assertThat(failure())
          .isInstanceOf(PodResourcesException.class)
          .hasMessage("podresources: v1.PodResourcesLister/List on unix://" + socket
              + " did not answer within 200 ms (DEADLINE_EXCEEDED)");
    }
  }

  @Test
  void clientRecovers_whenTheKubeletComesBack() throws Exception {
    assertThat(failure()).hasMessageContaining("no such socket");
    assertThat(failure()).as("still absent, not a stale error").hasMessageContaining("no such socket");
    try (FakeKubelet kubelet = FakeKubelet.serving(socket)) {
      kubelet.answer = FakeKubelet.Answer.of(
          response(pod("ns", "p", container("c", devices("nvidia.com/gpu", "GPU-1")))));
      // No waiting out gRPC's reconnect back-off: the next call tries again at once.
      PodGpus gpus = list();
      assertThat(gpus.of("ns", "p")).containsExactly("GPU-1");
    }
  }

  @Test
  void options_validate() {
    assertThat(PodResourcesOptions.DEFAULTS.socket())
        .isEqualTo(Path.of("/var/lib/kubelet/pod-resources/kubelet.sock"));
    assertThat(PodResourcesOptions.DEFAULTS.deadline()).isEqualTo(Duration.ofSeconds(2));
    assertThatThrownBy(() -> PodResourcesOptions.DEFAULTS.withDeadline(Duration.ZERO))
        .hasMessage("deadline: PT0S (expected: > 0)");
    assertThatThrownBy(() -> PodResourcesOptions.DEFAULTS.withResources(Set.of(), Set.of()))
        .hasMessage("resourceNames, resourcePrefixes: both empty (expected: at least one GPU resource)");
    assertThat(PodResourcesOptions.DEFAULTS.isGpuResource("nvidia.com/mig-3g.40gb")).isTrue();
    assertThat(PodResourcesOptions.DEFAULTS.isGpuResource("nvidia.com/gpu.shared")).isFalse();
  }
}
