package dev.loadfuse.picker.plugins.scorer.prefix;

import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.sidecar.api.Address;
import dev.loadfuse.sidecar.api.LoadVector;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.logging.Logger;

/**
 * Keeps the prefix-cache scorers' indexes in step with the picker's world.
 *
 * <ul>
 *   <li>Sharing (when enabled, i.e. on a clustered bus): every pick a scorer learns is published on
 *       {@link #PICKS} as a {@link PickMessage}, and picks published by other replicas are learned
 *       as if made here, so active-active replicas route a prefix to the same endpoint. A replica
 *       ignores its own messages (a publish reaches local consumers too).
 *   <li>Forgetting: every {@code sweepMillis} the indexes drop endpoints the datastore no longer
 *       knows, so pods that went away do not keep their entries.
 * </ul>
 */
public final class PrefixPickSharing extends VerticleBase {

  public static final Address<Buffer> PICKS = new Address<>("inference.picks.v1", Buffer.class);

  private static final Logger LOG = Logger.getLogger(PrefixPickSharing.class.getName());

  private final Map<String, PrefixCacheScorer> scorers = new HashMap<>();
  private final Datastore datastore;
  private final boolean share;
  private final long sweepMillis;
  private final UUID origin = UUID.randomUUID();
  private MessageConsumer<Buffer> consumer;
  private long timer = -1;
  private boolean warned;

  /**
   * @param share whether to publish and learn picks on the bus (clustered pickers)
   * @param sweepMillis how often to forget endpoints that left the datastore
   */
  public PrefixPickSharing(List<PrefixCacheScorer> scorers, Datastore datastore, boolean share, long sweepMillis) {
    for (PrefixCacheScorer s : scorers) {
      this.scorers.put(s.typedName().name(), s);
    }
    this.datastore = Objects.requireNonNull(datastore, "datastore");
    this.share = share;
    this.sweepMillis = Math.max(1, sweepMillis);
  }

  /** This replica's id in the messages it publishes. */
  public UUID origin() {
    return origin;
  }

  @Override
  public Future<?> start() {
    timer = vertx.setPeriodic(sweepMillis, id -> sweep());
    if (!share) {
      return Future.succeededFuture();
    }
    consumer = vertx.eventBus().consumer(PICKS.name(), msg -> learn(msg.body()));
    for (PrefixCacheScorer s : scorers.values()) {
      s.pickListener((scorer, hostPort, hashes) ->
          vertx.eventBus().publish(PICKS.name(), new PickMessage(origin, scorer.typedName().name(), hostPort, hashes).encode()));
    }
    return consumer.completion();
  }

  @Override
  public Future<?> stop() {
    for (PrefixCacheScorer s : scorers.values()) {
      s.pickListener(null);
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void learn(Buffer body) {
    PickMessage m;
    try {
      m = PickMessage.decode(body);
    } catch (IllegalArgumentException e) {
      // One warning: a replica of another version would otherwise flood the log.
      if (!warned) {
        warned = true;
        LOG.warning("ignoring pick messages on " + PICKS + ": " + e.getMessage());
      }
      return;
    }
    if (m.origin().equals(origin)) {
      return;
    }
    PrefixCacheScorer s = scorers.get(m.scorer());
    if (s != null) {
      EndpointState known = datastore.get(m.hostPort());
      LoadVector v = known == null ? null : known.vector();
      s.recordRemotePick(m.hostPort(), v == null ? -1 : v.numGpuBlocks(), m.hashes());
    }
  }

  private void sweep() {
    Set<String> known = new HashSet<>();
    for (EndpointState e : datastore.all()) {
      known.add(e.hostPort());
    }
    for (PrefixCacheScorer s : scorers.values()) {
      s.retainEndpoints(known);
    }
  }
}
