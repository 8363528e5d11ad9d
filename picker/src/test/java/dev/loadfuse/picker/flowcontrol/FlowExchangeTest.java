package dev.loadfuse.picker.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Band;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Dialect;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.TestClock;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Two flow controllers, as two active-active replicas, over one pool of engines, exchanging their
 * queues over a real (local) Vert.x event bus: tenant A floods replica 1, tenant B waits at replica
 * 2, and a slot of the pool frees up at a time. The clock stands still, so recent dispatch counts
 * are plain counts, and reports are exchanged by hand between steps.
 */
class FlowExchangeTest {

  private static final int SLOTS = 4;

  private final Vertx vertx = Vertx.vertx();
  private final TestClock clock = new TestClock(1_000_000);
  /** The pool: requests in flight over both replicas (flows, oldest first). */
  private final Queue<String> inFlight = new ArrayDeque<>();
  private final List<String> dispatched = Collections.synchronizedList(new ArrayList<>());
  private final PoolState pool = () -> {
    synchronized (inFlight) {
      return new PoolState.Reading((double) inFlight.size() / SLOTS, 3, false);
    }
  };

  @AfterEach
  void close() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private static FlowControlSettings roundRobin(long bandMaxRequests) {
    Band band = new Band(0, 0, bandMaxRequests, Fairness.ROUND_ROBIN, Ordering.FCFS);
    return new FlowControlSettings(Dialect.GIE, 0, 0, Duration.ZERO, Duration.ZERO, band, null, Map.of(0, band), 1.0,
        null, false);
  }

  /** One replica: its controller, its view of the peers, and (when sharing) its exchange. */
  private final class Replica {
    final PeerFlows peers;
    final FlowController controller;
    final FlowExchange exchange;

    Replica(boolean share, long bandMaxRequests) throws Exception {
      peers = share ? new PeerFlows() : null;
      controller = new FlowController(roundRobin(bandMaxRequests), pool, clock, () -> Runnable::run,
          FlowEvents.NONE, peers);
      exchange = share ? new FlowExchange(controller, peers, clock, new FlowExchange.Timing(3_600_000, 7_200_000)) : null;
      if (share) {
        vertx.deployVerticle(exchange).await(10, TimeUnit.SECONDS);
      }
    }

    /** A request of {@code flow}; returns its refusal, null when it waits or went on. */
    PickerException[] enter(String flow) {
      PickerException[] refusal = new PickerException[1];
      SchedulingRequest r = new SchedulingRequest(flow + "-" + System.nanoTime(), "m", "m", 0, flow, Map.of(), 10);
      controller.enter(AdmissionGate.Ticket.of(r, () -> {
        synchronized (inFlight) {
          inFlight.add(flow);
        }
        dispatched.add(flow);
      }, reason -> refusal[0] = reason));
      return refusal;
    }
  }

  /** Each replica reports its queues; returns when each has merged the other's report. */
  private static void exchange(Replica... replicas) {
    List<PeerFlows.View> before = new ArrayList<>();
    for (Replica r : replicas) {
      before.add(r.peers.view());
    }
    for (Replica r : replicas) {
      r.exchange.publishNow();
    }
    for (int i = 0; i < replicas.length; i++) {
      PeerFlows peers = replicas[i].peers;
      PeerFlows.View old = before.get(i);
      Await.until("replica " + (i + 1) + " to merge its peer's report", () -> peers.view() != old);
      FlowController c = replicas[i].controller;
      Await.until("replica " + (i + 1) + " to settle", c::settled);
    }
  }

  /**
   * The pool starts full; A floods replica 1 and B waits at replica 2; then, {@code steps} times,
   * the oldest request in flight finishes and both replicas hear of it (replica 1, A's, first).
   *
   * @return B's share of the requests let on
   */
  private double bShare(boolean share, int steps) throws Exception {
    Replica one = new Replica(share, 0);
    Replica two = new Replica(share, 0);
    synchronized (inFlight) {
      for (int i = 0; i < SLOTS; i++) {
        inFlight.add("earlier");
      }
    }
    for (int i = 0; i < 3 * steps; i++) {
      one.enter("tenant-a");
    }
    for (int i = 0; i < steps; i++) {
      two.enter("tenant-b");
    }
    if (share) {
      exchange(one, two);
    }
    for (int step = 0; step < steps; step++) {
      synchronized (inFlight) {
        inFlight.poll();
      }
      one.controller.released();
      two.controller.released();
      if (share) {
        exchange(one, two);
      }
    }
    assertThat(dispatched).hasSize(steps);
    return (double) Collections.frequency(dispatched, "tenant-b") / dispatched.size();
  }

  @Test
  void withQueuesShared_aTenantAtTheOtherReplicaGetsTheShareOneReplicaWouldGiveIt() throws Exception {
    // One replica's round-robin with both tenants waiting: every other request is B's.
    assertThat(bShare(true, 40)).isBetween(0.45, 0.55);
  }

  @Test
  void alone_eachReplicaServesOnlyItsOwnQueue_andTheFloodedOneWinsEveryFreedSlot() throws Exception {
    // The reason for the exchange: replica 1 hears of each freed slot first and has only A waiting.
    assertThat(bShare(false, 40)).isLessThan(0.1);
  }

  @Test
  void bandCapacity_countsThePeersWaitingRequests_untilThePeerIsForgotten() throws Exception {
    synchronized (inFlight) {
      for (int i = 0; i < SLOTS; i++) {
        inFlight.add("earlier");
      }
    }
    Replica one = new Replica(true, 10);
    Replica two = new Replica(true, 10);
    for (int i = 0; i < 8; i++) {
      assertThat(two.enter("tenant-b")[0]).isNull();
    }
    exchange(one, two);
    assertThat(one.enter("tenant-a")[0]).isNull();
    assertThat(one.enter("tenant-a")[0]).isNull();
    PickerException refused = one.enter("tenant-a")[0];
    assertThat(refused).isNotNull();
    assertThat(refused.code().httpStatus()).isEqualTo(429);
    assertThat(one.controller.queuedRequests()).isEqualTo(2);

    // Replica 2 falls silent: once the timeout has passed, replica 1 forgets its queue.
    clock.advance(7_200_001);
    PeerFlows.View before = one.peers.view();
    one.exchange.publishNow();
    Await.until("replica 1 to forget its silent peer", () -> one.peers.view() != before);
    assertThat(one.peers.view().peers()).isZero();
    assertThat(one.enter("tenant-a")[0]).isNull();
  }
}
