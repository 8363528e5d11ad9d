package dev.loadfuse.sidecar.api;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

/**
 * The event-bus contract between sidecars and pickers.
 *
 * <ul>
 *   <li>{@link #LOAD} ({@code inference.load.v1}): every {@link LoadVector}, published when it
 *       changes and at least every publish heartbeat; a consumer treats a vector it has not
 *       heard of for a while as stale.
 *   <li>{@link #SNAPSHOT} ({@code inference.load.v1.snapshot}): send any message (request/reply)
 *       to get one sidecar's {@link LoadSnapshot}. In a cluster, <em>publish</em> a message with
 *       the header {@value #REPLY_TO_HEADER} naming an address, and every sidecar sends its
 *       snapshot there.
 * </ul>
 *
 * <p>Locally the codecs pass the immutable objects without copying; across a cluster they use
 * {@link LoadWireFormat}. Call {@link #install(EventBus)} once per Vert.x instance before
 * sending or consuming (it is idempotent).
 */
public final class LoadBus {

  public static final Address<LoadVector> LOAD = new Address<>("inference.load.v1", LoadVector.class);
  public static final Address<LoadSnapshot> SNAPSHOT =
      new Address<>("inference.load.v1.snapshot", LoadSnapshot.class);
  public static final String REPLY_TO_HEADER = "loadfuse-reply-to";

  static final String VECTOR_CODEC = "loadfuse.LoadVector.v1";
  static final String SNAPSHOT_CODEC = "loadfuse.LoadSnapshot.v1";

  private LoadBus() {}

  /** Registers the codecs and the selector that picks them for our message types. */
  public static synchronized void install(EventBus bus) {
    try {
      bus.registerCodec(new VectorCodec());
      bus.registerCodec(new SnapshotCodec());
    } catch (IllegalStateException alreadyRegistered) {
      return;
    }
    bus.codecSelector(body -> switch (body) {
      case LoadVector v -> VECTOR_CODEC;
      case LoadSnapshot s -> SNAPSHOT_CODEC;
      default -> null;
    });
  }

  private static final class VectorCodec implements MessageCodec<LoadVector, LoadVector> {
    @Override
    public void encodeToWire(Buffer buffer, LoadVector v) {
      LoadWireFormat.writeVector(buffer, v);
    }

    @Override
    public LoadVector decodeFromWire(int pos, Buffer buffer) {
      return LoadWireFormat.readVector(pos, buffer);
    }

    @Override
    public LoadVector transform(LoadVector v) {
      return v; // immutable: no copy on the local bus
    }

    @Override
    public String name() {
      return VECTOR_CODEC;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }

  private static final class SnapshotCodec implements MessageCodec<LoadSnapshot, LoadSnapshot> {
    @Override
    public void encodeToWire(Buffer buffer, LoadSnapshot s) {
      LoadWireFormat.writeSnapshot(buffer, s);
    }

    @Override
    public LoadSnapshot decodeFromWire(int pos, Buffer buffer) {
      return LoadWireFormat.readSnapshot(pos, buffer);
    }

    @Override
    public LoadSnapshot transform(LoadSnapshot s) {
      return s;
    }

    @Override
    public String name() {
      return SNAPSHOT_CODEC;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
