package dev.loadfuse.picker.plugins.scorer.prefix;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.common.testing.Closing;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.server.PickerServer;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.picker.server.PickerOptions;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.LoopbackCluster;
import dev.loadfuse.picker.testing.PickerFixture;
import dev.loadfuse.sidecar.api.cluster.ClusterSecret;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two active-active pickers on one Hazelcast-clustered bus, each with its own prefix index: a prefix
 * routed by one replica is routed to the same endpoint by the other.
 */
class TwoReplicaPrefixSharingTest {

  /** The members share a cluster secret: vectors and picks cross the cluster sealed. */
  private static final ClusterSecret SECRET =
      ClusterSecret.of("a-test-cluster-secret-of-32-bytes-or-more".getBytes(java.nio.charset.StandardCharsets.UTF_8));

  private static String route(ManagedChannel channel, String question) {
    return PrefixAffinityAcceptanceTest.route(new EnvoyStream(channel), PrefixAffinityAcceptanceTest.chat(question));
  }

  private static PrefixCacheScorer scorerOf(PickerServer p) {
    return (PrefixCacheScorer) p.config().plugins().stream()
        .filter(PrefixCacheScorer.class::isInstance).findFirst().orElseThrow();
  }

  @Test
  void aPrefixRoutedByOneReplica_isRoutedToTheSameEndpointByTheOther(@TempDir Path dir) throws Exception {
    // Eight endpoints nobody serves metrics on: equal (absent) load, so only the prefix tells them apart.
    StringBuilder entries = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      entries.append(PickerFixture.entry("ep-" + i, "10.1.0." + (i + 1), 8000));
    }
    Path file = dir.resolve("endpoints.yaml");
    Files.writeString(file, "pool: {name: shared}\nendpoints:\n" + entries);
    LoopbackCluster cluster = LoopbackCluster.of(2, "loadfuse-prefix-test-", SECRET);
    Vertx nodeA = null;
    Vertx nodeB = null;
    PickerServer a = null;
    PickerServer b = null;
    ManagedChannel chA = null;
    ManagedChannel chB = null;
    try {
      nodeA = cluster.startMember(0);
      nodeB = cluster.startMember(1);
      // Each replica loads its own config, so each has its own scorer instance and index.
      a = PickerServer.start(nodeA, settings(file)).await(60, TimeUnit.SECONDS);
      b = PickerServer.start(nodeB, settings(file)).await(60, TimeUnit.SECONDS);
      assertThat(scorerOf(a)).isNotSameAs(scorerOf(b));
      chA = NettyChannelBuilder.forAddress("127.0.0.1", a.grpcPort()).usePlaintext().build();
      chB = NettyChannelBuilder.forAddress("127.0.0.1", b.grpcPort()).usePlaintext().build();

      String viaA = route(chA, "first conversation");
      PrefixIndex indexB = scorerOf(b).index();
      Await.until("replica B to learn A's pick", Duration.ofSeconds(30), () -> indexB.size(viaA) > 0);
      assertThat(indexB.size(viaA)).isEqualTo(scorerOf(a).index().size(viaA));
      for (int i = 0; i < 3; i++) {
        assertThat(route(chB, "follow-up " + i)).isEqualTo(viaA);
      }

      // And the other way round, for a prefix B saw first.
      String viaB = routeOther(chB, "B's conversation");
      PrefixIndex indexA = scorerOf(a).index();
      PrefixIndex indexOfB = scorerOf(b).index();
      Await.until("replica A to learn B's pick", Duration.ofSeconds(30),
          () -> indexA.size(viaB) >= indexOfB.size(viaB));
      assertThat(routeOther(chA, "another turn")).isEqualTo(viaB);
    } finally {
      Closing.ifOpen(chA, c -> c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
      Closing.ifOpen(chB, c -> c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
      Closing.all(a, b);
      Closing.ifOpen(nodeA, v -> v.close().await(30, TimeUnit.SECONDS));
      Closing.ifOpen(nodeB, v -> v.close().await(30, TimeUnit.SECONDS));
    }
  }

  /** A chat with a system prompt unlike {@link PrefixAffinityAcceptanceTest#SYSTEM}. */
  private static String routeOther(ManagedChannel channel, String question) {
    String body = "{\"model\":\"llama\",\"messages\":[{\"role\":\"system\",\"content\":\""
        + "You translate legal documents into plain English. ".repeat(50)
        + "\"},{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    return PrefixAffinityAcceptanceTest.route(new EnvoyStream(channel), body);
  }

  private static PickerOptions settings(Path file) {
    PickerConfig config = new ConfigLoader(InTreePlugins.registry()).load(PrefixAffinityAcceptanceTest.CONFIG, "test config");
    return new PickerOptions().setEndpointsFile(file.toString()).setConfig(config).setSecureServing(false)
        .setExtProcServers(1).setGpuProbe(GpuProbeKind.NONE).setEphemeralPorts();
  }
}
