package dev.loadfuse.sidecar.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.sidecar.api.BusCodecs;
import dev.loadfuse.sidecar.api.LoadBus;
import dev.loadfuse.sidecar.api.LoadSnapshot;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.api.LoadWireFormatTest;
import dev.loadfuse.sidecar.api.SnapshotRequest;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two clustered Vert.x instances on loopback without a secret ({@code --cluster-insecure}): a
 * sidecar's vectors reach a picker on another member in the plain wire format. (With a secret:
 * {@code ClusterSecurityTest}.)
 */
class ClusteredPublishingTest {

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void vectorsAndSnapshots_crossTheCluster_throughTheWireFormat() throws Exception {
    int p1 = freePort();
    int p2 = freePort();
    List<String> members = List.of("127.0.0.1:" + p1, "127.0.0.1:" + p2);
    Vertx sidecar = null;
    Vertx picker = null;
    try {
      sidecar = ClusteredVertx.start(new ClusterOptions(members, "127.0.0.1", p1, null, null, "loadfuse-test-" + p1, null, true),
          new VertxOptions()).await(60, TimeUnit.SECONDS);
      picker = ClusteredVertx.start(new ClusterOptions(members, "127.0.0.1", p2, null, null, "loadfuse-test-" + p1, null, true),
          new VertxOptions()).await(60, TimeUnit.SECONDS);
      assertThat(BusCodecs.sealed(sidecar)).isFalse();

      LoadVector sent = LoadWireFormatTest.fullVector();
      // The sidecar answers snapshot requests, the picker listens for vectors.
      Vertx sidecarNode = sidecar;
      sidecar.eventBus().consumer(LoadBus.SNAPSHOT.name(), msg -> {
        if (msg.body() instanceof SnapshotRequest r) {
          sidecarNode.eventBus().send(r.replyTo(), new LoadSnapshot(List.of(sent)));
        }
      }).completion().await(30, TimeUnit.SECONDS);
      CompletableFuture<LoadVector> received = new CompletableFuture<>();
      picker.eventBus().<LoadVector>consumer(LoadBus.LOAD.name(), m -> received.complete(m.body()))
          .completion().await(30, TimeUnit.SECONDS);

      // Subscriptions propagate asynchronously through Hazelcast: publish until one arrives.
      Vertx pub = sidecar;
      long timer = pub.setPeriodic(50, id -> pub.eventBus().publish(LoadBus.LOAD.name(), sent));
      LoadVector got = received.get(60, TimeUnit.SECONDS);
      pub.cancelTimer(timer);
      assertThat(got).isNotSameAs(sent).isEqualTo(sent);

      // A picker collects snapshots from every sidecar by publishing with a reply-to address.
      CompletableFuture<LoadSnapshot> snapshot = new CompletableFuture<>();
      String inbox = "picker.inbox." + p2;
      picker.eventBus().<LoadSnapshot>consumer(inbox, m -> snapshot.complete(m.body())).completion().await(30, TimeUnit.SECONDS);
      Vertx asker = picker;
      long ask = asker.setPeriodic(100, id -> asker.eventBus().publish(LoadBus.SNAPSHOT.name(), new SnapshotRequest(inbox)));
      assertThat(snapshot.get(60, TimeUnit.SECONDS).vectors()).containsExactly(sent);
      asker.cancelTimer(ask);
    } finally {
      if (picker != null) {
        picker.close().await(30, TimeUnit.SECONDS);
      }
      if (sidecar != null) {
        sidecar.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void badMembers_areRejectedWithTheEntry() {
    assertThatThrownBy(() -> ClusterOptions.ofMembers("127.0.0.1:5701,nohost", null, 0, null))
        .hasMessage("members[1]: \"nohost\" (expected: host:port)");
    assertThatThrownBy(() -> ClusterOptions.ofMembers("h:99999", null, 0, null))
        .hasMessage("members[0]: \"h:99999\" (port expected in [1, 65535])");
    assertThatThrownBy(() -> new ClusterOptions(List.of(), null, 0, null, null, null, null, true))
        .hasMessageStartingWith("cluster: no members to join");
  }

  @Test
  void noSecret_withoutTheExplicitInsecureMode_isRefused() {
    assertThatThrownBy(() -> new ClusterOptions(List.of("a:5701"), null, 0, null, null, null, null, false))
        .hasMessage(ClusterOptions.NO_SECRET);
    assertThat(ClusterOptions.NO_SECRET).startsWith("cluster: no secret: give --cluster-secret-file FILE");
  }
}
