package dev.loadfuse.engine.kvevents;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A vLLM-style KV-event publisher, for the simulator, the tests and the benchmarks: a PUB socket
 * sending {@code [topic, seq (8 bytes BE), payload]} and a ROUTER replay socket answering {@code
 * ["", start seq]} with every buffered batch from there ({@code ["", topic, seq, payload]}, the
 * vLLM 0.26 form) and the end marker ({@code ["", "", FF×8, ""]}). Sequences start at 0;
 * {@link #restart()} starts them again (an engine restart). Sockets live on one thread.
 */
public final class KvEventPublisher implements AutoCloseable {

  /** Past batches kept for replay (vLLM's {@code buffer_steps} default). */
  public static final int DEFAULT_BUFFER_STEPS = 10_000;
  /** Batches waiting for the publisher thread; {@link #publish} drops past it (and says so). */
  public static final int MAX_QUEUED = 100_000;

  private record Item(byte[] payload, boolean restart) {}

  private final String topic;
  private final int bufferSteps;
  private final BlockingQueue<Item> queue = new ArrayBlockingQueue<>(MAX_QUEUED);
  private final ArrayDeque<Object[]> buffer = new ArrayDeque<>();
  private final ZContext ctx = new ZContext();
  private final ZMQ.Socket pub;
  private final ZMQ.Socket router;
  private final int port;
  private final int replayPort;
  private final Thread thread;
  private volatile boolean running = true;
  private long nextSeq;

  /**
   * Binds to {@code host} on the given ports (0: any free port).
   *
   * @param replayPort -1 for no replay socket
   */
  public KvEventPublisher(String host, int port, int replayPort, String topic, int bufferSteps) {
    this.topic = topic == null ? "" : topic;
    this.bufferSteps = bufferSteps;
    pub = ctx.createSocket(SocketType.PUB);
    pub.setSndHWM(100_000);
    this.port = port == 0 ? pub.bindToRandomPort("tcp://" + host) : bindAt(pub, host, port);
    if (replayPort >= 0) {
      router = ctx.createSocket(SocketType.ROUTER);
      this.replayPort = replayPort == 0 ? router.bindToRandomPort("tcp://" + host) : bindAt(router, host, replayPort);
      router.setReceiveTimeOut(0);
    } else {
      router = null;
      this.replayPort = -1;
    }
    thread = Thread.ofPlatform().daemon().name("kv-publisher :" + this.port).start(this::run);
  }

  private static int bindAt(ZMQ.Socket s, String host, int port) {
    s.bind("tcp://" + host + ":" + port);
    return port;
  }

  public int port() {
    return port;
  }

  /** The replay port, or -1. */
  public int replayPort() {
    return replayPort;
  }

  /** Queues a batch; false when the queue is full (the batch is lost, as in vLLM). */
  public boolean publish(byte[] payload) {
    return queue.offer(new Item(payload, false));
  }

  /** Forgets the replay buffer and restarts sequences at 0, in order with published batches. */
  public void restart() {
    try {
      queue.put(new Item(null, true));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    byte[] topicBytes = topic.getBytes(StandardCharsets.UTF_8);
    while (running) {
      serveReplay(topicBytes);
      Item item;
      try {
        item = queue.poll(10, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (item == null) {
        continue;
      }
      if (item.restart()) {
        nextSeq = 0;
        buffer.clear();
        continue;
      }
      long seq = nextSeq++;
      byte[] seqBytes = KvMessage.sequenceBytes(seq);
      pub.sendMore(topicBytes);
      pub.sendMore(seqBytes);
      pub.send(item.payload());
      if (bufferSteps > 0) {
        buffer.addLast(new Object[] {seq, item.payload()});
        if (buffer.size() > bufferSteps) {
          buffer.removeFirst();
        }
      }
    }
  }

  private void serveReplay(byte[] topicBytes) {
    if (router == null) {
      return;
    }
    while (true) {
      byte[] id = router.recv(ZMQ.DONTWAIT);
      if (id == null) {
        return;
      }
      List<byte[]> rest = new ArrayList<>();
      while (router.hasReceiveMore()) {
        rest.add(router.recv(0));
      }
      if (rest.size() != 2 || rest.get(1).length != 8) {
        continue;
      }
      long start = java.nio.ByteBuffer.wrap(rest.get(1)).getLong();
      for (Object[] b : buffer) {
        if ((long) b[0] >= start) {
          router.sendMore(id);
          router.sendMore(new byte[0]);
          router.sendMore(topicBytes);
          router.sendMore(KvMessage.sequenceBytes((long) b[0]));
          router.send((byte[]) b[1]);
        }
      }
      router.sendMore(id);
      router.sendMore(new byte[0]);
      router.sendMore(new byte[0]);
      router.sendMore(KvMessage.sequenceBytes(KvMessage.END_OF_REPLAY));
      router.send(new byte[0]);
    }
  }

  /** Batches waiting to be sent. */
  public int queued() {
    return queue.size();
  }

  @Override
  public void close() {
    running = false;
    try {
      thread.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    ctx.close();
  }
}
