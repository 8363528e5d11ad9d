package dev.loadfuse.picker.plugins.scorer.prefix;

import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.sidecar.api.Address;
import dev.loadfuse.sidecar.api.BusCodecs;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.api.WireCodec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

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

  public static final Address<PickMessage> PICKS = new Address<>("inference.picks.v1", PickMessage.class);

  private final Map<String, PrefixCacheScorer> scorers = new HashMap<>();
  private final Datastore datastore;
  private final boolean share;
  private final long sweepMillis;
  private final UUID origin = UUID.randomUUID();
  private MessageConsumer<PickMessage> consumer;
  private long timer = -1;

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
    // The picks' codec: PickMessage's own wire form, sealed when the cluster has a secret.
    BusCodecs.register(vertx, PICKS, WireCodec.of(PickMessage::encode, PickMessage::decode));
    consumer = vertx.eventBus().consumer(PICKS.name(), msg -> learn(msg.body()));
    for (PrefixCacheScorer s : scorers.values()) {
      s.pickListener((scorer, hostPort, hashes) ->
          vertx.eventBus().publish(PICKS.name(), new PickMessage(origin, scorer.typedName().name(), hostPort, hashes)));
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

  // Messages that cannot be decoded never get here: the bus drops and counts them (BusCodecs).
  private void learn(PickMessage m) {
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
