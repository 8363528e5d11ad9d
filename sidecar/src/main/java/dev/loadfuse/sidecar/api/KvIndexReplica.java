package dev.loadfuse.sidecar.api;

import dev.loadfuse.engine.prefixindex.PrefixIndex;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * A picker replica's copy of the prefix index, one {@link PrefixIndex} per pool, kept in step with
 * every sidecar through {@link KvBus}: it applies each holder's deltas in sequence, and asks every
 * sidecar for a snapshot when it starts (a late joiner) and whenever a holder's sequence shows a
 * gap or an unknown sidecar epoch (at most once per {@link #RESYNC_INTERVAL_MS}). Snapshots older
 * than what was applied are ignored, so deltas and snapshots may arrive in any interleaving.
 *
 * <p>Its bus handlers run on the Vert.x context that called {@link #start}; {@link #index} may be
 * read from any thread.
 */
public final class KvIndexReplica {

  private static final Logger LOG = Logger.getLogger(KvIndexReplica.class.getName());

  /** Least time between two snapshot requests of one replica. */
  public static final long RESYNC_INTERVAL_MS = 1_000;
  /** Pools above this are refused (their deltas dropped and counted). */
  public static final int MAX_POOLS = 1024;

  private record HolderState(long epoch, long sequence) {}

  private final Vertx vertx;
  private final int maxEntriesPerPool;
  private final Map<String, PrefixIndex> pools = new ConcurrentHashMap<>();
  private final Map<String, HolderState> holders = new HashMap<>();
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private final String inbox = "inference.kvcache.v1.replica." + UUID.randomUUID();
  private final AtomicLong applied = new AtomicLong();
  private final AtomicLong ignored = new AtomicLong();
  private final AtomicLong resyncs = new AtomicLong();
  private long lastSnapshotRequestAt = Long.MIN_VALUE;
  private boolean resyncPending;

  public KvIndexReplica(Vertx vertx, int maxEntriesPerPool) {
    this.vertx = vertx;
    this.maxEntriesPerPool = maxEntriesPerPool;
  }

  /** Subscribes and asks for snapshots. */
  public Future<Void> start() {
    KvBus.install(vertx);
    Address<KvIndexDelta> inboxAddress = new Address<>(inbox, KvIndexDelta.class);
    BusCodecs.expect(vertx, inboxAddress);
    MessageConsumer<KvIndexDelta> live = vertx.eventBus().consumer(KvBus.DELTA.name(), m -> onDelta(m.body(), false));
    MessageConsumer<KvIndexDelta> snaps = vertx.eventBus().consumer(inbox, m -> onDelta(m.body(), true));
    consumers.add(live);
    consumers.add(snaps);
    return Future.all(live.completion(), snaps.completion()).map(v -> {
      requestSnapshot();
      return null;
    });
  }

  public Future<Void> stop() {
    List<Future<Void>> fs = new ArrayList<>();
    for (MessageConsumer<?> c : consumers) {
      fs.add(c.unregister());
    }
    BusCodecs.forget(vertx, new Address<>(inbox, KvIndexDelta.class));
    return Future.all(fs).mapEmpty();
  }

  /** Asks every sidecar for its holders' state (rate-limited; a pending ask is sent when allowed). */
  public void requestSnapshot() {
    long now = System.currentTimeMillis();
    if (lastSnapshotRequestAt != Long.MIN_VALUE && now - lastSnapshotRequestAt < RESYNC_INTERVAL_MS) {
      if (!resyncPending) {
        resyncPending = true;
        vertx.setTimer(RESYNC_INTERVAL_MS - (now - lastSnapshotRequestAt), id -> {
          resyncPending = false;
          requestSnapshot();
        });
      }
      return;
    }
    lastSnapshotRequestAt = now;
    resyncs.incrementAndGet();
    vertx.eventBus().publish(KvBus.SNAPSHOT.name(), new SnapshotRequest(inbox));
  }

  private void onDelta(KvIndexDelta d, boolean fromSnapshot) {
    String key = d.pool() + "\0" + d.endpoint() + "\0" + d.rank();
    HolderState st = holders.get(key);
    boolean apply;
    if (d.delta().cleared()) {
      // a baseline: newer than what we have, or from another sidecar start
      apply = st == null || st.epoch() != d.epoch() || d.sequence() >= st.sequence();
    } else if (st != null && st.epoch() == d.epoch()) {
      if (d.sequence() == st.sequence() + 1) {
        apply = true;
      } else {
        apply = false;
        if (d.sequence() > st.sequence() + 1) {
          requestSnapshot(); // lost deltas
        }
      }
    } else {
      apply = false;
      requestSnapshot(); // a holder (or a sidecar start) we have no baseline for
    }
    if (!apply) {
      ignored.incrementAndGet();
      return;
    }
    PrefixIndex idx = pools.get(d.pool());
    if (idx == null) {
      if (pools.size() >= MAX_POOLS) {
        ignored.incrementAndGet();
        LOG.fine(() -> "kv index: pool " + d.pool() + " over the bound of " + MAX_POOLS + " pools");
        return;
      }
      idx = pools.computeIfAbsent(d.pool(), p -> new PrefixIndex(maxEntriesPerPool));
    }
    idx.apply(d.endpoint(), d.rank(), d.delta());
    holders.put(key, new HolderState(d.epoch(), d.sequence()));
    applied.incrementAndGet();
  }

  /** The pool's index, or {@code null} when no sidecar reported on it. Any thread. */
  public PrefixIndex index(String pool) {
    return pools.get(pool);
  }

  /** Deltas applied (live and snapshots). */
  public long appliedDeltas() {
    return applied.get();
  }

  /** Deltas ignored (duplicates, out of order, stale snapshots, pools over the bound). */
  public long ignoredDeltas() {
    return ignored.get();
  }

  /** Snapshot requests sent. */
  public long snapshotRequests() {
    return resyncs.get();
  }
}
