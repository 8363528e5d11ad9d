package dev.loadfuse.picker.load;

import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.sidecar.api.Address;
import dev.loadfuse.sidecar.api.BusCodecs;
import dev.loadfuse.sidecar.api.LoadBus;
import dev.loadfuse.sidecar.api.LoadSnapshot;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.api.SnapshotRequest;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Feeds the datastore from the event bus: every {@link LoadVector} on {@link LoadBus#LOAD}
 * (published by the in-process sidecar, or by remote sidecars on a clustered bus). At start it
 * asks every sidecar for its snapshot so the picker does not wait for the next change or
 * heartbeat. In vectors mode it also expires endpoints no sidecar speaks of any more.
 */
public final class LoadFeed extends VerticleBase {

  private final Datastore datastore;
  private final long expiryCheckMillis;
  private final List<MessageConsumer<?>> consumers = new ArrayList<>();
  private long timer = -1;
  private Address<LoadSnapshot> inbox;

  /**
   * @param expiryCheckMillis how often to expire silent endpoints (vectors mode)
   */
  public LoadFeed(Datastore datastore, long expiryCheckMillis) {
    this.datastore = Objects.requireNonNull(datastore, "datastore");
    this.expiryCheckMillis = Math.max(1, expiryCheckMillis);
  }

  @Override
  public Future<?> start() {
    LoadBus.install(vertx);
    MessageConsumer<LoadVector> load = vertx.eventBus().consumer(LoadBus.LOAD.name(), msg -> datastore.onVector(msg.body()));
    consumers.add(load);
    String replyTo = "loadfuse.picker.snapshots." + UUID.randomUUID();
    inbox = new Address<>(replyTo, LoadSnapshot.class);
    BusCodecs.expect(vertx, inbox); // on a sealed bus: snapshots only
    MessageConsumer<LoadSnapshot> snapshots = vertx.eventBus().consumer(replyTo, msg -> {
      for (LoadVector v : msg.body().vectors()) {
        datastore.onVector(v);
      }
    });
    consumers.add(snapshots);
    if (datastore.mode() == Datastore.Mode.VECTORS) {
      timer = vertx.setPeriodic(expiryCheckMillis, id -> datastore.expire(System.currentTimeMillis()));
    }
    return Future.all(load.completion(), snapshots.completion()).onSuccess(v ->
        vertx.eventBus().publish(LoadBus.SNAPSHOT.name(), new SnapshotRequest(replyTo)));
  }

  @Override
  public Future<?> stop() {
    if (inbox != null) {
      BusCodecs.forget(vertx, inbox);
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    List<Future<Void>> done = new ArrayList<>();
    for (MessageConsumer<?> c : consumers) {
      done.add(c.unregister());
    }
    return Future.join(done);
  }
}
