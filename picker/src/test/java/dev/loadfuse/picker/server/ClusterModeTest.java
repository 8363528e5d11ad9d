package dev.loadfuse.picker.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.common.testing.Closing;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.FakeEngineServer;
import dev.loadfuse.picker.testing.FakeEngineServer.Format;
import dev.loadfuse.picker.testing.LoopbackCluster;
import dev.loadfuse.sidecar.SidecarOptions;
import dev.loadfuse.sidecar.SidecarVerticle;
import dev.loadfuse.sidecar.api.cluster.ClusterSecret;
import dev.loadfuse.sidecar.api.cluster.ClusterSettings;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A picker without endpoints file takes endpoints and load from a remote sidecar over the clustered bus. */
class ClusterModeTest {

  /** The members share a cluster secret: vectors and picks cross the cluster sealed. */
  private static final ClusterSecret SECRET =
      ClusterSecret.of("a-test-cluster-secret-of-32-bytes-or-more".getBytes(java.nio.charset.StandardCharsets.UTF_8));

  @Test
  void remoteSidecarVectors_makeEndpointsRoutable(@TempDir Path dir) throws Exception {
    LoopbackCluster cluster = LoopbackCluster.of(2, "loadfuse-picker-test-", SECRET);
    Vertx sidecarNode = null;
    Vertx pickerNode = null;
    PickerServer picker = null;
    try {
      sidecarNode = cluster.startMember(0);
      FakeEngineServer engine = FakeEngineServer.start(sidecarNode, Format.SGLANG).load(3, 1, 0.5);
      Path file = dir.resolve("endpoints.yaml");
      Files.writeString(file, "pool: {name: node-a}\nendpoints:\n" + engine.endpointEntry("sglang-0"));
      // The sidecar of another node, as sidecar.jar run deploys it (without its HTTP API).
      sidecarNode.deployVerticle(new SidecarVerticle(new SidecarOptions().setEndpointsFile(file.toString())
          .setGpuProbe(GpuProbeKind.NONE).setScrapeInterval(Duration.ofMillis(20)).setHttp(false)))
          .await(30, TimeUnit.SECONDS);

      pickerNode = cluster.startMember(1);
      PickerOptions settings = new PickerOptions().setClusterSettings(ClusterSettings.NONE.withCluster(true)).setRouteToAnnouncedEndpoints(true).setSecureServing(false).setExtProcServers(1)
          .setEphemeralPorts();
      picker = PickerServer.start(pickerNode, settings).await(60, TimeUnit.SECONDS);
      Datastore ds = picker.datastore();
      assertThat(ds.mode()).isEqualTo(Datastore.Mode.VECTORS);

      String hostPort = "127.0.0.1:" + engine.port();
      Await.until("the remote vector", Duration.ofSeconds(60), () -> {
        EndpointState s = ds.get(hostPort);
        return s != null && s.vector() != null && s.vector().hasWaitingRequests();
      });
      assertThat(ds.get(hostPort).vector().waitingRequests()).isEqualTo(3);
      assertThat(ds.get(hostPort).vector().endpoint().pool()).isEqualTo("node-a");

      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", picker.grpcPort()).usePlaintext().build();
      try (EnvoyStream s = new EnvoyStream(ch)) {
        s.send(EnvoyStream.requestHeaders(true, ":path", "/v1/models"));
        assertThat(EnvoyStream.setHeader(s.next().getRequestHeaders().getResponse().getHeaderMutation(),
            "x-gateway-destination-endpoint")).isEqualTo(hostPort);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    } finally {
      Closing.all(picker);
      Closing.ifOpen(pickerNode, v -> v.close().await(30, TimeUnit.SECONDS));
      Closing.ifOpen(sidecarNode, v -> v.close().await(30, TimeUnit.SECONDS));
    }
  }
}
