package dev.loadfuse.engine.kvevents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.engine.kvevents.KvEvent.BlockStored;
import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import dev.loadfuse.engine.kvevents.KvEventEncoder.Encoding;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** A real SUB and DEALER against real PUB and ROUTER sockets on loopback. */
class KvEventSubscriberTest {

  /** Records what the subscriber hands over. */
  static final class Recorder implements KvEventSubscriber.Listener {
    final List<Long> applied = new CopyOnWriteArrayList<>();
    final List<Long> replayed = new CopyOnWriteArrayList<>();
    final List<String> rejected = new CopyOnWriteArrayList<>();
    final List<String> resyncs = new CopyOnWriteArrayList<>();

    @Override
    public void batch(KvMessage m, KvEventBatch b, boolean fromReplay) {
      applied.add(m.sequence());
      if (fromReplay) {
        replayed.add(m.sequence());
      }
    }

    @Override
    public void rejected(String reason) {
      rejected.add(reason);
    }

    @Override
    public void resync(String reason) {
      resyncs.add(reason);
    }
  }

  /**
   * An engine under the test's control: live messages only when asked, a replay buffer the test
   * edits (to make gaps the replay can or cannot fill), served by a ROUTER thread.
   */
  static final class ScriptedEngine implements AutoCloseable {
    final ZContext ctx = new ZContext();
    final ZMQ.Socket pub = ctx.createSocket(SocketType.PUB);
    final int port = pub.bindToRandomPort("tcp://127.0.0.1");
    final Map<Long, byte[]> buffer = new ConcurrentSkipListMap<>();
    final int replayPort;
    final Thread replayThread;
    volatile boolean running = true;

    ScriptedEngine() {
      ZMQ.Socket router = ctx.createSocket(SocketType.ROUTER);
      replayPort = router.bindToRandomPort("tcp://127.0.0.1");
      router.setReceiveTimeOut(20);
      replayThread = Thread.ofPlatform().daemon().start(() -> {
        while (running) {
          byte[] id = router.recv(0);
          if (id == null) {
            continue;
          }
          List<byte[]> rest = new ArrayList<>();
          while (router.hasReceiveMore()) {
            rest.add(router.recv(0));
          }
          if (rest.size() != 2 || rest.get(1).length != 8) {
            continue; // not a replay request (e.g. a stray peer on a reused port)
          }
          long from = ByteBuffer.wrap(rest.get(1)).getLong();
          for (Map.Entry<Long, byte[]> e : buffer.entrySet()) {
            if (e.getKey() >= from) {
              router.sendMore(id);
              router.sendMore(new byte[0]);
              router.sendMore("kv@pod@m".getBytes());
              router.sendMore(KvMessage.sequenceBytes(e.getKey()));
              router.send(e.getValue());
            }
          }
          router.sendMore(id);
          router.sendMore(new byte[0]);
          router.sendMore(new byte[0]);
          router.sendMore(KvMessage.sequenceBytes(-1));
          router.send(new byte[0]);
        }
        router.close();
      });
    }

    void buffer(long seq) {
      buffer.put(seq, payload(seq));
    }

    void live(long seq) {
      buffer(seq);
      send("kv@pod@m".getBytes(), KvMessage.sequenceBytes(seq), payload(seq));
    }

    synchronized void send(byte[]... frames) {
      for (int i = 0; i < frames.length - 1; i++) {
        pub.sendMore(frames[i]);
      }
      pub.send(frames[frames.length - 1]);
    }

    static byte[] payload(long seq) {
      BlockStored s = new BlockStored(new long[] {seq}, false, 0, new int[] {(int) seq}, 1, null, Tier.GPU, null, -1, null);
      return KvEventEncoder.encode(new KvEventBatch(seq, List.of(s), 0), seq % 2 == 0 ? Encoding.ARRAY : Encoding.MAP);
    }

    KvEventSubscriber.Target target(boolean withReplay) {
      // a generous replay timeout: a loaded build machine can leave the replay thread unscheduled for seconds
      return new KvEventSubscriber.Target("tcp://127.0.0.1:" + port, withReplay ? "tcp://127.0.0.1:" + replayPort : null, "kv@",
          20_000);
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      replayThread.join(2_000);
      ctx.close();
    }
  }

  final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing.reversed()) {
      c.close();
    }
  }

  static void await(String what, BooleanSupplier cond) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  /** Sends seq live until the subscriber has applied it (the first messages of a SUB are lost). */
  static void liveUntilApplied(ScriptedEngine e, Recorder r, long seq) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!r.applied.contains(seq)) {
      e.live(seq);
      if (System.nanoTime() > deadline) {
        throw new AssertionError("seq " + seq + " never applied: " + r.applied);
      }
      Thread.sleep(20);
    }
  }

  ScriptedEngine engine() {
    ScriptedEngine e = new ScriptedEngine();
    closing.add(e);
    return e;
  }

  KvEventSubscriber subscribe(KvEventSubscriber.Target t, Recorder r) {
    KvEventSubscriber s = KvEventSubscriber.start(t, r);
    closing.add(s);
    return s;
  }

  @Test
  void joiningLateReplaysFromZeroThenFillsAGap() throws Exception {
    ScriptedEngine e = engine();
    Recorder r = new Recorder();
    for (long s = 0; s < 3; s++) {
      e.buffer(s); // cached before we joined
    }
    subscribe(e.target(true), r);
    liveUntilApplied(e, r, 3);
    assertThat(r.applied).startsWith(0L, 1L, 2L, 3L);
    assertThat(r.replayed).contains(0L, 1L, 2L);

    e.buffer(4);
    e.buffer(5);
    liveUntilApplied(e, r, 6); // 4 and 5 never went out live: a gap, filled by replay
    assertThat(r.applied).containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L);
    assertThat(r.replayed).contains(4L, 5L);
    assertThat(r.resyncs).isEmpty();
  }

  @Test
  void aGapTheReplayNoLongerHoldsClearsTheEndpoint() throws Exception {
    ScriptedEngine e = engine();
    Recorder r = new Recorder();
    subscribe(e.target(true), r);
    liveUntilApplied(e, r, 0);
    // 1 and 2 are lost and also gone from the engine's buffer
    liveUntilApplied(e, r, 3);
    assertThat(r.resyncs).singleElement().asString().contains("replay starts at 3 (wanted 1)");
    assertThat(r.applied).containsExactly(0L, 3L);
  }

  @Test
  void aGapWithoutReplayClearsTheEndpoint() throws Exception {
    ScriptedEngine e = engine();
    Recorder r = new Recorder();
    subscribe(e.target(false), r);
    liveUntilApplied(e, r, 0);
    liveUntilApplied(e, r, 5);
    assertThat(r.resyncs).singleElement().asString().isEqualTo("sequence gap 1..4 not replayed");
  }

  @Test
  void aRestartClearsTheEndpointAndAppliesTheNewEngine() throws Exception {
    ScriptedEngine e = engine();
    Recorder r = new Recorder();
    subscribe(e.target(false), r);
    liveUntilApplied(e, r, 0);
    liveUntilApplied(e, r, 1);
    liveUntilApplied(e, r, 2);
    e.buffer.clear(); // the engine restarts: empty buffer, sequence from 0
    int before = r.applied.size();
    e.live(0);
    await("restart seen", () -> !r.resyncs.isEmpty());
    assertThat(r.resyncs.getFirst()).isEqualTo("engine restarted: sequence 0 after 2");
    await("new 0 applied", () -> r.applied.size() > before);
    assertThat(r.applied.subList(before, r.applied.size())).containsExactly(0L);
  }

  @Test
  void badFramesAreCountedAndReportedNotFatal() throws Exception {
    ScriptedEngine e = engine();
    Recorder r = new Recorder();
    KvEventSubscriber s = subscribe(e.target(false), r);
    liveUntilApplied(e, r, 0);
    e.send("kv@x".getBytes(), new byte[] {1, 2, 3});
    e.send("kv@x".getBytes(), new byte[4], new byte[] {1});
    e.send("kv@x".getBytes(), KvMessage.sequenceBytes(1), new byte[] {(byte) 0xc1});
    liveUntilApplied(e, r, 1);
    assertThat(r.rejected).containsExactly(
        "frames: 2 (expected: 3 — topic, sequence, payload)",
        "sequence frame: 4 bytes (expected: 8, big-endian)",
        "batch: byte 0xc1 (expected: msgpack; 0xc1 is never used)");
    assertThat(s.rejectedMessages()).isEqualTo(3);
  }

  @Test
  void thePublisherSpeaksTheSameProtocol() throws Exception {
    KvEventPublisher pub = new KvEventPublisher("127.0.0.1", 0, 0, "kv@sim@m", 100);
    closing.add(pub);
    Recorder r = new Recorder();
    subscribe(new KvEventSubscriber.Target("tcp://127.0.0.1:" + pub.port(), "tcp://127.0.0.1:" + pub.replayPort(), "kv@"), r);
    await("something applied", () -> {
      pub.publish(ScriptedEngine.payload(0));
      return !r.applied.isEmpty();
    });
    List<Long> seen = List.copyOf(r.applied);
    assertThat(seen).containsExactlyElementsOf(java.util.stream.LongStream.range(0, seen.size()).boxed().toList());
    pub.restart();
    pub.publish(ScriptedEngine.payload(0));
    await("restart seen", () -> !r.resyncs.isEmpty());
  }
}
