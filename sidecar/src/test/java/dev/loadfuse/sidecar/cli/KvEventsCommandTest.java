package dev.loadfuse.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.engine.kvevents.KvEvent.BlockStored;
import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import dev.loadfuse.engine.kvevents.KvEventBatch;
import dev.loadfuse.engine.kvevents.KvEventEncoder;
import dev.loadfuse.engine.kvevents.KvEventPublisher;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvEventsCommandTest {

  @Test
  void printsTheDecodedBatchesOfAnEngine() {
    try (KvEventPublisher engine = new KvEventPublisher("127.0.0.1", 0, 0, "kv@pod@qwen", 100)) {
      engine.publish(KvEventEncoder.encode(new KvEventBatch(1.5, List.of(
          new BlockStored(new long[] {7}, false, 0, new int[] {1, 2, 3, 4}, 4, null, Tier.GPU, null, -1, null)), 0),
          KvEventEncoder.Encoding.MAP));
      StringWriter out = new StringWriter();
      StringWriter err = new StringWriter();
      int rc = SidecarMain.run(new PrintWriter(out), new PrintWriter(err), "kv-events",
          "tcp://127.0.0.1:" + engine.port(), "--replay", "tcp://127.0.0.1:" + engine.replayPort(),
          "--batches", "1", "--seconds", "30");
      assertThat(rc).isZero();
      assertThat(out.toString())
          .contains("seq 0 (replayed) topic \"kv@pod@qwen\" ts 1.5 rank 0: 1 event(s)")
          .contains("BlockStored{hashes=[7], parent=none, tokens=4, blockSize=4, tier=GPU}");
    }
  }

  @Test
  void aBadAddressIsOneLineAndExit2() {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int rc = SidecarMain.run(new PrintWriter(out), new PrintWriter(err), "kv-events", "10.0.0.5:5557");
    assertThat(rc).isEqualTo(2);
    assertThat(err.toString()).isEqualTo("kv-events: address: \"10.0.0.5:5557\" (expected: tcp://host:port)" + System.lineSeparator());
  }
}
