package dev.loadfuse.sidecar.api;

import io.vertx.core.Vertx;

/**
 * The event-bus contract between sidecars and pickers.
 *
 * <ul>
 *   <li>{@link #LOAD} ({@code inference.load.v1}): every {@link LoadVector}, published when it
 *       changes and at least every publish heartbeat; a consumer treats a vector it has not
 *       heard of for a while as stale.
 *   <li>{@link #SNAPSHOT} ({@code inference.load.v1.snapshot}): send any message (request/reply,
 *       on a bus that is not sealed) to get one sidecar's {@link LoadSnapshot}. In a cluster,
 *       <em>publish</em> a {@link SnapshotRequest} naming an address, and every sidecar sends its
 *       snapshot there; a sealed bus takes nothing else on this address.
 * </ul>
 *
 * <p>Locally the codecs pass the immutable objects without copying; across a cluster they use
 * {@link LoadWireFormat}, sealed when the cluster has a secret ({@link BusCodecs}). Call {@link
 * #install} once per Vert.x instance before sending or consuming (it is idempotent).
 */
public final class LoadBus {

  public static final Address<LoadVector> LOAD = new Address<>("inference.load.v1", LoadVector.class);
  public static final Address<SnapshotRequest> SNAPSHOT =
      new Address<>("inference.load.v1.snapshot", SnapshotRequest.class);
  /**
   * The channel snapshots travel on: they go to the asker's own address, which the codec does not
   * see, so their seal is bound to this name; an inbox is typed with {@link BusCodecs#expect}.
   */
  public static final Address<LoadSnapshot> SNAPSHOT_REPLY =
      new Address<>("inference.load.v1.snapshot.reply", LoadSnapshot.class);

  private LoadBus() {}

  /** Registers the codecs of the load messages on {@code vertx}'s bus ({@link BusCodecs}). */
  public static void install(Vertx vertx) {
    BusCodecs.register(vertx, LOAD, VECTOR);
    BusCodecs.register(vertx, SNAPSHOT, SnapshotRequest.WIRE);
    BusCodecs.register(vertx, SNAPSHOT_REPLY, SNAPSHOT_WIRE);
  }

  static final WireCodec<LoadVector> VECTOR = WireCodec.from(LoadWireFormat::writeVector, LoadWireFormat::readVector);

  static final WireCodec<LoadSnapshot> SNAPSHOT_WIRE =
      WireCodec.from(LoadWireFormat::writeSnapshot, LoadWireFormat::readSnapshot);
}
