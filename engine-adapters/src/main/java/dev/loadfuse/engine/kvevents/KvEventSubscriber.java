package dev.loadfuse.engine.kvevents;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * One engine publisher (one endpoint, one DP rank): a ZMQ SUB on its events address and, when it
 * has one, a DEALER on its replay address. Runs on its own daemon thread; {@link #close()} stops it.
 *
 * <p>On start, with a replay address, it asks for everything from sequence 0 (what the engine
 * cached before we joined; an idle engine publishes nothing live). Every message is validated ({@link KvMessage#of}) and decoded ({@link KvEventDecoder}); a bad
 * one is counted and reported to {@link Listener#rejected}, never thrown. The sequence is followed
 * by a {@link SequenceTracker}: on the first message (we joined late), on a gap and after a restart
 * (the sequence went back; the endpoint's entries are cleared first) the subscriber asks the
 * replay socket for the missing batches and applies them in order; messages that arrive meanwhile
 * wait in the SUB socket (at most {@link #RECEIVE_HIGH_WATER_MARK}). A gap the replay cannot fill
 * (no replay address, timeout, the engine's buffer no longer holds it) clears the endpoint's
 * entries ({@link Listener#resync}) rather than keep a half-known cache.
 */
public final class KvEventSubscriber implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(KvEventSubscriber.class.getName());

  /** Messages queued in the SUB socket before ZMQ drops (a gap, repaired by replay). */
  public static final int RECEIVE_HIGH_WATER_MARK = 10_000;
  /** A replay that goes this long without a message is given up (the reference's 2 s), by default. */
  public static final int DEFAULT_REPLAY_IDLE_TIMEOUT_MS = 2_000;
  /** Replayed messages above this in one replay are not read (vLLM keeps 10,000 by default). */
  public static final int MAX_REPLAY_MESSAGES = 100_000;
  /** Frames read of one message; the rest of a longer message is discarded. */
  static final int MAX_FRAMES = 4;
  static final int POLL_MS = 100;

  /** Where the batches go. Called on the subscriber's thread, in sequence order. */
  public interface Listener {
    /** A decoded batch to apply ({@code replayed}: it came from the replay socket). */
    void batch(KvMessage message, KvEventBatch batch, boolean replayed);

    /** A message that was refused, with why. */
    void rejected(String reason);

    /** The endpoint's entries must be dropped: what follows starts from nothing. */
    void resync(String reason);
  }

  /**
   * @param address the engine's PUB address, e.g. {@code tcp://10.0.0.5:5557}
   * @param replayAddress its ROUTER replay address, or {@code null} for none
   * @param topicFilter the SUB prefix filter ({@code ""}: everything)
   * @param replayIdleTimeoutMs a replay silent this long is given up
   */
  public record Target(String address, String replayAddress, String topicFilter, int replayIdleTimeoutMs) {
    public Target(String address, String replayAddress, String topicFilter) {
      this(address, replayAddress, topicFilter, DEFAULT_REPLAY_IDLE_TIMEOUT_MS);
    }

    public Target {
      if (replayIdleTimeoutMs < 1) {
        throw new IllegalArgumentException("replayIdleTimeoutMs: " + replayIdleTimeoutMs + " (expected: >= 1)");
      }
      Objects.requireNonNull(address, "address");
      topicFilter = topicFilter == null ? "" : topicFilter;
      if (!address.startsWith("tcp://") && !address.startsWith("ipc://") && !address.startsWith("inproc://")) {
        throw new IllegalArgumentException("address: \"" + address + "\" (expected: tcp://host:port)");
      }
    }

    @Override
    public String toString() {
      return address + (replayAddress == null ? "" : " (replay " + replayAddress + ")");
    }
  }

  private final Target target;
  private final Listener listener;
  private final SequenceTracker tracker = new SequenceTracker();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile long received;
  private volatile long rejected;
  private volatile long replays;
  private volatile long resyncs;

  private KvEventSubscriber(Target target, Listener listener, String threadName) {
    this.target = target;
    this.listener = listener;
    this.thread = Thread.ofPlatform().daemon().name(threadName).unstarted(this::run);
  }

  /** Starts a subscriber on its own thread. */
  public static KvEventSubscriber start(Target target, Listener listener) {
    KvEventSubscriber s = new KvEventSubscriber(target, listener, "kv-events " + target.address());
    s.thread.start();
    return s;
  }

  public Target target() {
    return target;
  }

  private void run() {
    try (ZContext ctx = new ZContext()) {
      ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
      sub.setRcvHWM(RECEIVE_HIGH_WATER_MARK);
      sub.setMaxMsgSize(KvMessage.MAX_PAYLOAD_BYTES + 1);
      sub.setReceiveTimeOut(POLL_MS);
      sub.setReconnectIVL(200);
      sub.setReconnectIVLMax(5_000);
      sub.subscribe(target.topicFilter().getBytes(java.nio.charset.StandardCharsets.UTF_8));
      sub.connect(target.address());
      if (target.replayAddress() != null) {
        // Joining: what the engine cached before is in its replay buffer (an idle engine sends nothing live).
        replay(ctx, 0, false);
      }
      while (running && !Thread.currentThread().isInterrupted()) {
        List<byte[]> frames = receive(sub);
        if (frames == null) {
          continue;
        }
        received++;
        Decoded d = decode(frames, "");
        if (d != null) {
          live(ctx, d.message(), d.batch());
        }
      }
    } catch (RuntimeException e) {
      if (running) {
        LOG.log(Level.WARNING, "kv-events " + target + ": subscriber stopped: " + e, e);
      }
    }
  }

  private void live(ZContext ctx, KvMessage m, KvEventBatch b) {
    SequenceTracker.Verdict v = tracker.classify(m.sequence());
    switch (v.kind()) {
      case NEXT -> apply(m, b, false);
      case DUPLICATE -> { }
      case FIRST, GAP, RESTART -> {
        if (v.kind() == SequenceTracker.Kind.RESTART) {
          long before = tracker.last();
          tracker.reset();
          resync("engine restarted: sequence " + m.sequence() + " after " + before);
        }
        boolean filled = replay(ctx, v.replayFrom(), v.kind() == SequenceTracker.Kind.GAP);
        if (!filled && v.kind() == SequenceTracker.Kind.GAP) {
          resync("sequence gap " + v.replayFrom() + ".." + (m.sequence() - 1) + " not replayed");
        }
        if (tracker.last() < 0 || Long.compareUnsigned(m.sequence(), tracker.last()) > 0) {
          apply(m, b, false);
        }
      }
    }
  }

  private record Decoded(KvMessage message, KvEventBatch batch) {}

  /** The validated message and its batch, or null after counting and reporting why not. */
  private Decoded decode(List<byte[]> frames, String where) {
    try {
      KvMessage m = KvMessage.of(frames);
      return new Decoded(m, KvEventDecoder.decode(m.payload()));
    } catch (KvEventFormatException e) {
      reject(where + e.getMessage());
      return null;
    }
  }

  private void apply(KvMessage m, KvEventBatch b, boolean replayed) {
    tracker.accept(m.sequence());
    listener.batch(m, b, replayed);
  }

  private void reject(String reason) {
    rejected++;
    LOG.fine(() -> "kv-events " + target + ": rejected: " + reason);
    listener.rejected(reason);
  }

  private void resync(String reason) {
    resyncs++;
    LOG.info(() -> "kv-events " + target + ": " + reason + "; clearing this endpoint's entries");
    listener.resync(reason);
  }

  /**
   * Asks for every buffered batch from {@code from} and applies the new ones. Returns whether the
   * replay began at {@code from} exactly (nothing lost) when {@code mustStartAtFrom}, else whether it ran.
   */
  private boolean replay(ZContext ctx, long from, boolean mustStartAtFrom) {
    if (target.replayAddress() == null) {
      return false;
    }
    replays++;
    ZMQ.Socket dealer = ctx.createSocket(SocketType.DEALER);
    try {
      dealer.setReceiveTimeOut(POLL_MS); // short waits, so close() is not held up by a replay
      dealer.setMaxMsgSize(KvMessage.MAX_PAYLOAD_BYTES + 1);
      dealer.setLinger(0);
      dealer.connect(target.replayAddress());
      dealer.sendMore(new byte[0]);
      dealer.send(KvMessage.sequenceBytes(from));
      boolean first = true;
      boolean complete = !mustStartAtFrom;
      for (int i = 0; i < MAX_REPLAY_MESSAGES && running; i++) {
        List<byte[]> frames = receive(dealer);
        long idleSince = System.nanoTime();
        while (frames == null && running
            && System.nanoTime() - idleSince < target.replayIdleTimeoutMs() * 1_000_000L) {
          frames = receive(dealer);
        }
        if (frames == null) {
          if (running) {
            LOG.info(() -> "kv-events " + target + ": replay from " + from + " timed out");
          }
          return false;
        }
        if (!frames.isEmpty() && frames.get(0).length == 0) {
          frames = frames.subList(1, frames.size());
        }
        if (frames.size() == 2) {
          List<byte[]> withTopic = new ArrayList<>(3);
          withTopic.add(new byte[0]);
          withTopic.addAll(frames);
          frames = withTopic;
        }
        if (frames.size() == 3 && (frames.get(2).length == 0 || isEndMarker(frames.get(1)))) {
          return complete;
        }
        Decoded d = decode(frames, "replay: ");
        if (d == null) {
          continue;
        }
        KvMessage m = d.message();
        KvEventBatch b = d.batch();
        if (first) {
          first = false;
          complete = !mustStartAtFrom || m.sequence() == from;
          if (!complete) {
            resync("replay starts at " + m.sequence() + " (wanted " + from + "): the engine no longer buffers the gap");
            complete = true; // cleared: what follows is a consistent restart of our view
          }
        }
        if (tracker.last() < 0 || Long.compareUnsigned(m.sequence(), tracker.last()) > 0) {
          apply(m, b, true);
        }
      }
      return complete;
    } finally {
      dealer.close();
    }
  }

  private static boolean isEndMarker(byte[] seq) {
    if (seq.length != 8) {
      return false;
    }
    for (byte x : seq) {
      if (x != (byte) 0xFF) {
        return false;
      }
    }
    return true;
  }

  /** One multipart message, at most {@link #MAX_FRAMES} frames kept; null on timeout. */
  private List<byte[]> receive(ZMQ.Socket socket) {
    byte[] f = socket.recv(0);
    if (f == null) {
      return null;
    }
    List<byte[]> frames = new ArrayList<>(3);
    frames.add(f);
    int total = 1;
    while (socket.hasReceiveMore()) {
      byte[] more = socket.recv(0);
      if (more == null) {
        break;
      }
      if (++total <= MAX_FRAMES) {
        frames.add(more);
      }
    }
    if (total > MAX_FRAMES) {
      frames.add(new byte[0]); // keep the count wrong so validation names it
    }
    return frames;
  }

  public long receivedMessages() {
    return received;
  }

  public long rejectedMessages() {
    return rejected;
  }

  public long replayRequests() {
    return replays;
  }

  public long resyncs() {
    return resyncs;
  }

  public long lastSequence() {
    return tracker.last();
  }

  /** Asks the thread to stop (within {@link #POLL_MS}, or a replay's idle timeout); does not wait. */
  public void stop() {
    running = false;
  }

  /** Stops the thread and closes the sockets (waits up to a second). */
  @Override
  public void close() {
    running = false;
    try {
      thread.join(1_000 + POLL_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
