package dev.loadfuse.picker.flowcontrol;

import dev.loadfuse.sidecar.api.BusCodecs;
import dev.loadfuse.sidecar.api.WireCodec;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.InstantSource;
import java.util.Objects;
import java.util.UUID;

/**
 * Fairness across active-active picker replicas: every {@code intervalMillis} this replica
 * publishes a {@link FlowReport} of its queues on {@link FlowReport#ADDRESS}, and merges the other replicas'
 * reports into its {@link PeerFlows}, which its {@link FlowController} reads when it dispatches and
 * when it checks capacity. A peer not heard from for {@code peerTimeoutMillis} is forgotten (its
 * queues no longer count). A replica ignores its own reports (a publish reaches local consumers
 * too).
 *
 * <p>Merging runs on this verticle's event loop, never on the dispatch path; a new report (or a
 * forgotten peer) pokes the controller, since room it left to a peer may now be its own.
 */
public final class FlowExchange extends VerticleBase {

  /**
   * How often a replica reports, and how long a silent peer is remembered.
   *
   * @param intervalMillis how often to publish (and to forget silent peers)
   * @param peerTimeoutMillis after how long without a report a peer is forgotten
   */
  public record Timing(long intervalMillis, long peerTimeoutMillis) {

    /** A report every 100 ms; a peer is forgotten after ten missed. */
    public static final Timing DEFAULT = new Timing(100, 1_000);

    public Timing {
      if (intervalMillis < 1 || peerTimeoutMillis < intervalMillis) {
        throw new IllegalArgumentException("intervalMillis " + intervalMillis + ", peerTimeoutMillis "
            + peerTimeoutMillis + " (expected: interval >= 1 and timeout >= interval)");
      }
    }
  }

  private final UUID origin = UUID.randomUUID();
  private final FlowController controller;
  private final PeerFlows peers;
  private final InstantSource clock;
  private final Timing timing;

  /** @param peers the view {@code controller} was built with, which this keeps up to date */
  public FlowExchange(FlowController controller, PeerFlows peers, InstantSource clock, Timing timing) {
    this.controller = Objects.requireNonNull(controller, "controller");
    this.peers = Objects.requireNonNull(peers, "peers");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.timing = Objects.requireNonNull(timing, "timing");
  }

  /** This replica's id in its reports. */
  public UUID origin() {
    return origin;
  }

  // The consumer and the timer belong to this verticle: Vert.x drops them when it is undeployed.
  @Override
  public Future<?> start() {
    BusCodecs.register(vertx, FlowReport.ADDRESS, WireCodec.of(FlowReport::encode, FlowReport::decode));
    BusCodecs.expect(vertx, FlowReport.ADDRESS);
    vertx.setPeriodic(timing.intervalMillis(), id -> publish());
    return vertx.eventBus().<FlowReport>consumer(FlowReport.ADDRESS.name(), msg -> heard(msg.body())).completion();
  }

  @Override
  public Future<?> stop() {
    BusCodecs.forget(vertx, FlowReport.ADDRESS);
    return Future.succeededFuture();
  }

  /** Publishes this replica's report now, on this verticle's event loop (the timer's work, for tests). */
  public void publishNow() {
    context.runOnContext(v -> publish());
  }

  /** Forgets silent peers and publishes this replica's report. */
  private void publish() {
    long now = clock.millis();
    if (peers.forgetOlderThan(now - timing.peerTimeoutMillis(), now)) {
      controller.poke();
    }
    vertx.eventBus().publish(FlowReport.ADDRESS.name(), controller.report(origin));
  }

  // Reports that cannot be decoded never get here: the bus drops and counts them (BusCodecs).
  private void heard(FlowReport r) {
    if (r.origin().equals(origin)) {
      return;
    }
    peers.merge(r, clock.millis());
    controller.poke();
  }
}
