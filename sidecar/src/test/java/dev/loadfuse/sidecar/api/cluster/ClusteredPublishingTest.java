package dev.loadfuse.sidecar.api.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.sidecar.api.LoadBus;
import dev.loadfuse.sidecar.api.LoadSnapshot;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.api.LoadWireFormatTest;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import java.net.ServerSocket;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two clustered Vert.x instances on loopback: a sidecar's vectors reach a picker on another member. */
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
      sidecar = ClusteredVertx.start(new ClusterOptions(members, "127.0.0.1", p1, null, null, "loadfuse-test-" + p1), new VertxOptions())
          .await(60, TimeUnit.SECONDS);
      picker = ClusteredVertx.start(new ClusterOptions(members, "127.0.0.1", p2, null, null, "loadfuse-test-" + p1), new VertxOptions())
          .await(60, TimeUnit.SECONDS);
      LoadBus.install(sidecar.eventBus());
      LoadBus.install(picker.eventBus());

      LoadVector sent = LoadWireFormatTest.fullVector();
      // The sidecar answers snapshot requests, the picker listens for vectors.
      sidecar.eventBus().consumer(LoadBus.SNAPSHOT.name(), msg -> {
        String replyTo = msg.headers().get(LoadBus.REPLY_TO_HEADER);
        sidecar_send(msg, replyTo, new LoadSnapshot(List.of(sent)));
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
      long ask = asker.setPeriodic(100, id -> asker.eventBus().publish(LoadBus.SNAPSHOT.name(), null,
          new DeliveryOptions().addHeader(LoadBus.REPLY_TO_HEADER, inbox)));
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

  private static void sidecar_send(io.vertx.core.eventbus.Message<Object> msg, String replyTo, LoadSnapshot s) {
    if (replyTo != null) {
      // msg.address() is the snapshot address; answer on the asker's inbox
      io.vertx.core.Vertx.currentContext().owner().eventBus().send(replyTo, s);
    } else if (msg.replyAddress() != null) {
      msg.reply(s);
    }
  }

  @Test
  void badMembers_areRejectedWithTheEntry() {
    assertThatThrownBy(() -> ClusterOptions.ofMembers("127.0.0.1:5701,nohost", null, 0))
        .hasMessage("members[1]: \"nohost\" (expected: host:port)");
    assertThatThrownBy(() -> ClusterOptions.ofMembers("h:99999", null, 0))
        .hasMessage("members[0]: \"h:99999\" (port expected in [1, 65535])");
    assertThatThrownBy(() -> new ClusterOptions(List.of(), null, 0, null, null, null))
        .hasMessageStartingWith("cluster: no members to join");
  }
}
