package dev.loadfuse.sidecar.kvevents;

import static dev.loadfuse.sidecar.testing.SidecarTestFiles.mockGpus;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.common.testing.Await;
import dev.loadfuse.discovery.file.FileDiscoveryOptions;
import dev.loadfuse.discovery.file.FileEndpointDiscovery;
import dev.loadfuse.engine.kvevents.BlockKeys;
import dev.loadfuse.engine.kvevents.KvEvent;
import dev.loadfuse.engine.kvevents.KvEvent.BlockRemoved;
import dev.loadfuse.engine.kvevents.KvEvent.BlockStored;
import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import dev.loadfuse.engine.kvevents.KvEventBatch;
import dev.loadfuse.engine.kvevents.KvEventEncoder;
import dev.loadfuse.engine.kvevents.KvEventPublisher;
import dev.loadfuse.engine.prefixindex.PrefixIndex;
import dev.loadfuse.engine.prefixindex.TierWeights;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.sidecar.SidecarOptions;
import dev.loadfuse.sidecar.SidecarVerticle;
import dev.loadfuse.sidecar.api.KvIndexReplica;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A sidecar subscribed to a vLLM-format publisher (real ZMQ sockets): its deltas reach a replica
 * that was there from the start and one that joins late (through a snapshot), removals and the
 * endpoint's deletion clear what they should.
 */
class KvEventsFeedTest {

  @TempDir Path dir;
  final Vertx vertx = Vertx.vertx();
  KvEventPublisher engine;

  @AfterEach
  void close() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
    if (engine != null) {
      engine.close();
    }
  }

  static int[] prompt(int n) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = 1000 + i * 7;
    }
    return t;
  }

  static byte[] batch(KvEvent... events) {
    return KvEventEncoder.encode(new KvEventBatch(0, List.of(events), 0), KvEventEncoder.Encoding.MAP);
  }

  static int held(KvIndexReplica r, long[] keys) {
    PrefixIndex idx = r.index("local-pool");
    return idx == null ? 0 : idx.lookup(keys, keys.length, TierWeights.DEFAULT).blocks("vllm-0");
  }

  String endpoints(boolean present) {
    return "pool: {name: local-pool}\nendpoints:\n" + (present ? """
          - name: vllm-0
            address: 127.0.0.1
            port: 1
            labels: {loadfuse.dev/kv-events-port: "%d", loadfuse.dev/kv-events-replay-port: "%d"}
        """.formatted(engine.port(), engine.replayPort()) : "  []\n");
  }

  @Test
  void deltasReachEveryReplicaAndALateOneCatchesUp() throws Exception {
    engine = new KvEventPublisher("127.0.0.1", 0, 0, "kv@vllm-0@m", 1000);
    Path file = Files.writeString(dir.resolve("endpoints.yaml"), endpoints(true));
    Path gpus = Files.writeString(dir.resolve("gpus.yaml"), mockGpus(false));
    SidecarVerticle sidecar = new SidecarVerticle(new SidecarOptions()
        .setDiscovery(new FileEndpointDiscovery(file, FileDiscoveryOptions.DEFAULTS.withPollInterval(Duration.ofMillis(50))))
        .setCustomGpuProbe(GpuProbes.mock(gpus))
        .setHttp(false)
        .setKvEvents(new KvEventsOptions(true, 5557, -1, "kv@", 1, 4, "", 1000, 10_000)));
    KvIndexReplica early = new KvIndexReplica(vertx, 10_000);
    early.start().await(10, TimeUnit.SECONDS);
    vertx.deployVerticle(sidecar).await(20, TimeUnit.SECONDS);

    BlockKeys keys = new BlockKeys(4, "");
    int[] tokens = prompt(16);
    long[] chain = keys.chain(keys.root(null), tokens);
    // the publisher replays from 0 to a late subscriber, so publishing once before it joins is enough
    engine.publish(batch(new BlockStored(new long[] {11, 12, 13, 14}, false, 0, tokens, 4, null, Tier.GPU, null, -1, null)));
    Await.until("early replica holds 4 blocks", () -> held(early, chain) == 4);

    KvIndexReplica late = new KvIndexReplica(vertx, 10_000);
    late.start().await(10, TimeUnit.SECONDS);
    Await.until("late replica caught up", () -> held(late, chain) == 4);

    engine.publish(batch(new BlockRemoved(new long[] {13}, Tier.GPU, -1)));
    Await.until("removal seen by both", () -> held(early, chain) == 2 && held(late, chain) == 2);
    assertThat(sidecar.kvEvents().index("local-pool").entriesOf("vllm-0")).isEqualTo(3);

    Files.writeString(file, endpoints(false));
    Await.until("endpoint deleted", () -> early.index("local-pool").entriesOf("vllm-0") == 0
        && late.index("local-pool").entriesOf("vllm-0") == 0);
  }

  @Test
  void settingsAreReadStrictly() {
    SidecarOptions o = new SidecarOptions(new io.vertx.core.json.JsonObject()
        .put("nodeName", "n").put("kvEvents", new io.vertx.core.json.JsonObject().put("replayPort", 5558).put("blockSize", 64)));
    assertThat(o.getKvEvents().enabled()).isTrue();
    assertThat(o.getKvEvents().replayPort()).isEqualTo(5558);
    assertThat(o.getKvEvents().blockSize()).isEqualTo(64);
    assertThat(new SidecarOptions(o.toJson()).getKvEvents()).isEqualTo(o.getKvEvents());
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SidecarOptions(new io.vertx.core.json.JsonObject()
            .put("kvEvents", new io.vertx.core.json.JsonObject().put("ranks", 0))))
        .hasMessageContaining("kvEvents.ranks").hasMessageContaining("0");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new SidecarOptions(new io.vertx.core.json.JsonObject()
            .put("kvEvents", new io.vertx.core.json.JsonObject().put("prot", 1))))
        .hasMessageContaining("prot");
  }
}
