package dev.loadfuse.sidecar.api;

import io.vertx.core.Vertx;

/**
 * The event-bus contract of the prefix index (precise prefix-cache routing).
 *
 * <ul>
 *   <li>{@link #DELTA} ({@code inference.kvcache.v1}): every {@link KvIndexDelta} a sidecar derives
 *       from its engines' KV-cache events, published.
 *   <li>{@link #SNAPSHOT} ({@code inference.kvcache.v1.snapshot}): publish a {@link
 *       SnapshotRequest}; every sidecar sends each of its holders' full state, as a cleared {@link
 *       KvIndexDelta} carrying the holder's current sequence, to the named address ({@link
 *       #SNAPSHOT_REPLY} typing). A replica that joins late, or that saw a gap, catches up so.
 * </ul>
 *
 * Codecs as {@link LoadBus}: by reference locally, {@link KvIndexDelta}'s wire form across the
 * cluster, sealed when the cluster has a secret.
 */
public final class KvBus {

  public static final Address<KvIndexDelta> DELTA = new Address<>("inference.kvcache.v1", KvIndexDelta.class);
  public static final Address<SnapshotRequest> SNAPSHOT =
      new Address<>("inference.kvcache.v1.snapshot", SnapshotRequest.class);
  public static final Address<KvIndexDelta> SNAPSHOT_REPLY =
      new Address<>("inference.kvcache.v1.snapshot.reply", KvIndexDelta.class);

  private KvBus() {}

  /** Registers the codecs (idempotent; also installs {@link LoadBus}'s, which share the request type). */
  public static void install(Vertx vertx) {
    LoadBus.install(vertx);
    BusCodecs.register(vertx, DELTA, KvIndexDelta.WIRE);
    BusCodecs.expect(vertx, SNAPSHOT); // SnapshotRequest's codec is LoadBus's
  }
}
