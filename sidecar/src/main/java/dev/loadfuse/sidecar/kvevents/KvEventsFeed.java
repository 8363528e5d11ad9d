package dev.loadfuse.sidecar.kvevents;

import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.engine.kvevents.BlockKeys;
import dev.loadfuse.engine.kvevents.KvDelta;
import dev.loadfuse.engine.kvevents.KvEventBatch;
import dev.loadfuse.engine.kvevents.KvEventIngester;
import dev.loadfuse.engine.kvevents.KvEventSubscriber;
import dev.loadfuse.engine.kvevents.KvMessage;
import dev.loadfuse.engine.prefixindex.PrefixIndex;
import dev.loadfuse.sidecar.api.KvBus;
import dev.loadfuse.sidecar.api.KvIndexDelta;
import dev.loadfuse.sidecar.api.SnapshotRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.MessageConsumer;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;
import java.util.logging.Logger;

/**
 * The sidecar's KV-cache event subscriptions: one {@link KvEventSubscriber} per endpoint and DP
 * rank, whose batches an {@link KvEventIngester} turns into {@link KvDelta}s; those are applied to
 * the sidecar's own {@link PrefixIndex} (per pool, what snapshots are made from) and published on
 * {@link KvBus#DELTA}. Answers {@link KvBus#SNAPSHOT} requests with one cleared delta per holder.
 *
 * <p>Subscriber threads hand deltas to the Vert.x context; at most {@link #MAX_PENDING_DELTAS} wait
 * there, beyond which the subscriber thread waits (its SUB socket then fills, and ZMQ's drops show
 * as a gap the replay repairs). All other methods run on the context.
 */
public final class KvEventsFeed {

  private static final Logger LOG = Logger.getLogger(KvEventsFeed.class.getName());
  /** Deltas handed to the context and not yet published. */
  public static final int MAX_PENDING_DELTAS = 1024;

  private final Vertx vertx;
  private final Context context;
  private final KvEventsOptions options;
  private final BlockKeys keys;
  private final long epoch = new SecureRandom().nextLong();
  private final Semaphore pending = new Semaphore(MAX_PENDING_DELTAS);
  private final Map<String, List<Subscription>> byEndpoint = new HashMap<>();
  private final Map<String, PrefixIndex> pools = new HashMap<>();
  private final MessageConsumer<SnapshotRequest> snapshots;
  private final Counter rejected;
  private final Counter resyncs;
  private final Counter messages;

  /** One publisher's subscription. */
  private final class Subscription implements KvEventSubscriber.Listener {
    final String pool;
    final String endpoint;
    final int rank;
    final KvEventIngester ingester;
    final KvEventSubscriber subscriber;
    long sequence; // on the context

    Subscription(String pool, String endpoint, int rank, KvEventSubscriber.Target target) {
      this.pool = pool;
      this.endpoint = endpoint;
      this.rank = rank;
      this.ingester = new KvEventIngester(keys, options.maxEngineBlocks());
      publish(KvDelta.CLEAR); // the first delta of a holder is a baseline
      this.subscriber = KvEventSubscriber.start(target, this);
    }

    @Override
    public void batch(KvMessage message, KvEventBatch batch, boolean replayed) {
      messages.increment();
      ingester.apply(batch, this::handOver);
    }

    @Override
    public void rejected(String reason) {
      rejected.increment();
    }

    @Override
    public void resync(String reason) {
      resyncs.increment();
      ingester.clear();
      ingester.flush(this::handOver);
    }

    /** Subscriber thread → context, bounded. */
    private void handOver(KvDelta d) {
      try {
        pending.acquire();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      context.runOnContext(v -> {
        pending.release();
        if (byEndpoint.getOrDefault(pool + "/" + endpoint, List.of()).contains(this)) {
          publish(d);
        }
      });
    }

    void publish(KvDelta d) {
      sequence++;
      pools.computeIfAbsent(pool, p -> new PrefixIndex(options.maxIndexEntries())).apply(endpoint, rank, d);
      vertx.eventBus().publish(KvBus.DELTA.name(), new KvIndexDelta(pool, endpoint, rank, epoch, sequence, d));
    }
  }

  public KvEventsFeed(Vertx vertx, Context context, KvEventsOptions options, MeterRegistry registry) {
    this.vertx = vertx;
    this.context = context;
    this.options = options;
    this.keys = new BlockKeys(options.blockSize(), options.hashSeed());
    KvBus.install(vertx);
    this.messages = Counter.builder("loadfuse_kv_events_messages").description("KV-event batches applied").register(registry);
    this.rejected = Counter.builder("loadfuse_kv_events_rejected")
        .description("KV-event messages refused (bad frames or payloads)").register(registry);
    this.resyncs = Counter.builder("loadfuse_kv_events_resyncs")
        .description("Endpoint entries cleared after an engine restart or a gap replay could not fill").register(registry);
    Gauge.builder("loadfuse_kv_events_subscribers", byEndpoint, m -> m.values().stream().mapToInt(List::size).sum())
        .description("KV-event subscriptions (endpoint x DP rank)").register(registry);
    this.snapshots = vertx.eventBus().consumer(KvBus.SNAPSHOT.name(), m -> {
      if (m.body() instanceof SnapshotRequest r) {
        for (List<Subscription> subs : byEndpoint.values()) {
          for (Subscription s : subs) {
            KvDelta snap = pools.get(s.pool).snapshot(s.endpoint, s.rank);
            vertx.eventBus().send(r.replyTo(), new KvIndexDelta(s.pool, s.endpoint, s.rank, epoch, s.sequence, snap));
          }
        }
      }
    });
  }

  /** Subscribes to a new endpoint's publishers (unless its labels turn it off). */
  public void add(Endpoint e) {
    String key = key(e);
    if (byEndpoint.containsKey(key) || "false".equalsIgnoreCase(e.labels().get(KvEventsOptions.LABEL_ENABLED))) {
      return;
    }
    int port = label(e, KvEventsOptions.LABEL_PORT, options.port(), 1, 65535);
    int replay = label(e, KvEventsOptions.LABEL_REPLAY_PORT, options.replayPort(), -1, 65535);
    int ranks = label(e, KvEventsOptions.LABEL_RANKS, options.ranks(), 1, KvEventsOptions.MAX_RANKS);
    String host = e.address().indexOf(':') >= 0 ? "[" + e.address() + "]" : e.address();
    List<Subscription> subs = new ArrayList<>();
    byEndpoint.put(key, subs);
    for (int r = 0; r < ranks; r++) {
      if (port + r > 65535 || (replay >= 0 && replay + r > 65535)) {
        LOG.warning("kv-events " + key + ": rank " + r + " would use a port above 65535; not subscribed");
        break;
      }
      KvEventSubscriber.Target t = new KvEventSubscriber.Target("tcp://" + host + ":" + (port + r),
          replay < 0 ? null : "tcp://" + host + ":" + (replay + r), options.topicFilter());
      subs.add(new Subscription(e.pool().toString(), e.name(), r, t));
    }
    LOG.info("kv-events " + key + ": subscribed to " + subs.size() + " publisher(s) from " + host + ":" + port);
  }

  /** Stops an endpoint's subscriptions and tells the replicas its entries are gone. */
  public void remove(Endpoint e) {
    List<Subscription> subs = byEndpoint.remove(key(e));
    if (subs == null) {
      return;
    }
    for (Subscription s : subs) {
      s.subscriber.stop();
      s.publish(KvDelta.CLEAR);
    }
    PrefixIndex idx = pools.get(e.pool().toString());
    if (idx != null) {
      idx.clearEndpoint(e.name());
    }
  }

  private static int label(Endpoint e, String name, int dflt, int min, int max) {
    String v = e.labels().get(name);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException ignored) {
      // fall through
    }
    LOG.warning("kv-events " + key(e) + ": label " + name + "=\"" + v + "\" (expected: an integer in [" + min + ", "
        + max + "]); using " + dflt);
    return dflt;
  }

  private static String key(Endpoint e) {
    return e.pool() + "/" + e.name();
  }

  /** The sidecar's own index of a pool (tests, inspection). */
  public PrefixIndex index(String pool) {
    return pools.get(pool);
  }

  public void close() {
    for (List<Subscription> subs : byEndpoint.values()) {
      for (Subscription s : subs) {
        s.subscriber.stop();
      }
    }
    byEndpoint.clear();
    snapshots.unregister();
  }
}
