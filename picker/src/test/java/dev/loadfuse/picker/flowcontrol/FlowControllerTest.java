package dev.loadfuse.picker.flowcontrol;

import dev.loadfuse.picker.scheduling.ControlHeader;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Band;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Dialect;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.testing.TestClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;

/** The flow controller on its own: a settable pool, a test clock, answers recorded in order. */
class FlowControllerTest {

  private final TestClock clock = new TestClock(1_000_000);
  private double saturation = 2.0; // saturated until a test frees the pool
  private int endpoints = 3;
  private boolean stale;
  private final PoolState pool = () -> new PoolState.Reading(saturation, endpoints, stale);
  private final List<String> log = new ArrayList<>();
  private final Map<Outcome, Integer> outcomes = new EnumMap<>(Outcome.class);
  private final FlowEvents events = new FlowEvents() {
    @Override
    public void finished(SchedulingRequest r, Outcome outcome, long waitedMillis) {
      outcomes.merge(outcome, 1, Integer::sum);
    }
  };
  private Executor executor = Runnable::run;

  private FlowController controller(FlowControlSettings settings) {
    return new FlowController(settings, pool, clock, () -> task -> executor.execute(task), events);
  }

  private static FlowControlSettings settings(Dialect dialect, long maxRequests, long maxBytes, Duration ttl,
      Band template, Band... bands) {
    Map<Integer, Band> listed = new java.util.HashMap<>();
    for (Band b : bands) {
      listed.put(b.priority(), b);
    }
    return new FlowControlSettings(dialect, maxBytes, maxRequests, ttl, ttl, template, null, listed, 1.0, null, false);
  }

  private static FlowControlSettings gie() {
    return settings(Dialect.GIE, 0, 0, Duration.ZERO, Band.template());
  }

  private static Band band(int priority, Fairness fairness, Ordering ordering) {
    return new Band(priority, 0, 0, fairness, ordering);
  }

  /** A request that logs "id" when dispatched and "id:STATUS" when refused. */
  private final class Req implements AdmissionGate.Ticket {
    final String id;
    final SchedulingRequest request;
    PickerException refusal;
    AdmissionGate.Wait wait;

    Req(String id, String flow, int priority, long bytes, Map<String, String> headers) {
      this.id = id;
      this.request = new SchedulingRequest(id, "m", "m", priority, flow, headers, bytes);
    }

    @Override
    public SchedulingRequest request() {
      return request;
    }

    @Override
    public void dispatch() {
      log.add(id);
    }

    @Override
    public void reject(PickerException reason) {
      refusal = reason;
      log.add(id + ":" + reason.code().httpStatus());
    }
  }

  private Req enter(FlowController c, String id, String flow, int priority) {
    return enter(c, id, flow, priority, 10, Map.of());
  }

  private Req enter(FlowController c, String id, String flow, int priority, long bytes, Map<String, String> headers) {
    Req r = new Req(id, flow, priority, bytes, headers);
    r.wait = c.enter(r);
    return r;
  }

  /** Frees the pool until {@code n} requests have gone, then saturates it again. */
  private void freeFor(FlowController c, int n) {
    int before = log.size();
    saturation = 0;
    executor = task -> {
      task.run();
      if (log.size() - before >= n) {
        saturation = 2.0;
      }
    };
    c.poke();
    executor = Runnable::run;
  }

  @Test
  void withRoomAndNothingWaiting_aRequestPassesAtOnce() {
    saturation = 0.5;
    FlowController c = controller(gie());
    Req r = enter(c, "a", "t1", 0);
    assertThat(log).containsExactly("a");
    assertThat(r.wait).isSameAs(AdmissionGate.Wait.NONE);
    assertThat(c.queuedRequests()).isZero();
    assertThat(outcomes).containsEntry(Outcome.DISPATCHED, 1);
  }

  @Test
  void whileSaturated_requestsWait_thenGoHighestPriorityFirst() {
    FlowController c = controller(gie());
    enter(c, "low", "t1", -1);
    enter(c, "std", "t1", 0);
    enter(c, "crit", "t1", 10);
    enter(c, "std2", "t2", 0);
    assertThat(log).isEmpty();
    assertThat(c.queuedRequests()).isEqualTo(4);
    assertThat(c.queuedRequests(0)).isEqualTo(2);

    saturation = 0.2;
    c.poke();
    assertThat(log).containsExactly("crit", "std", "std2", "low");
    assertThat(c.queuedRequests()).isZero();
    assertThat(c.queuedBytes()).isZero();
  }

  @Test
  void sheddableRequests_areQueuedNotRefused() {
    FlowController c = controller(gie());
    Req r = enter(c, "shed", "t1", -5);
    assertThat(r.refusal).isNull();
    assertThat(c.queuedRequests(-5)).isEqualTo(1);
  }

  @Test
  void roundRobin_takesTurnsBetweenFlows_whateverTheirBacklog() {
    FlowController c = controller(settings(Dialect.GIE, 0, 0, Duration.ZERO,
        band(0, Fairness.ROUND_ROBIN, Ordering.FCFS)));
    for (int i = 0; i < 4; i++) {
      enter(c, "A" + i, "tenant-a", 0);
    }
    enter(c, "B0", "tenant-b", 0);
    enter(c, "C0", "tenant-c", 0);
    enter(c, "B1", "tenant-b", 0);
    saturation = 0;
    c.poke();
    assertThat(log).containsExactly("A0", "B0", "C0", "A1", "B1", "A2", "A3");
  }

  @Test
  void roundRobin_continuesAfterTheFlowServedLast_acrossDispatchCycles() {
    FlowController c = controller(settings(Dialect.GIE, 0, 0, Duration.ZERO,
        band(0, Fairness.ROUND_ROBIN, Ordering.FCFS)));
    enter(c, "A0", "a", 0);
    enter(c, "A1", "a", 0);
    enter(c, "B0", "b", 0);
    freeFor(c, 1);
    assertThat(log).containsExactly("A0");
    enter(c, "A2", "a", 0); // arrives while saturated again
    freeFor(c, 1);
    assertThat(log).containsExactly("A0", "B0");
    freeFor(c, 2);
    assertThat(log).containsExactly("A0", "B0", "A1", "A2");
  }

  @Test
  void globalStrict_isOneQueueInArrivalOrderAcrossFlows() {
    FlowController c = controller(gie());
    enter(c, "A0", "a", 0);
    enter(c, "A1", "a", 0);
    enter(c, "B0", "b", 0);
    enter(c, "A2", "a", 0);
    saturation = 0;
    c.poke();
    assertThat(log).containsExactly("A0", "A1", "B0", "A2");
  }

  @Test
  void sloDeadline_servesTheEarliestReceivedPlusTtftObjective_missingOrInvalidLast() {
    FlowController c = controller(settings(Dialect.GIE, 0, 0, Duration.ZERO,
        band(0, Fairness.GLOBAL_STRICT, Ordering.SLO_DEADLINE)));
    enter(c, "none", "a", 0, 10, Map.of());
    enter(c, "slow", "a", 0, 10, Map.of(ControlHeader.SLO_TTFT_MS.alias(), "5000"));
    clock.advance(100);
    enter(c, "fast", "b", 0, 10, Map.of(ControlHeader.SLO_TTFT_MS.alias(), "200"));
    enter(c, "bad", "a", 0, 10, Map.of(ControlHeader.SLO_TTFT_MS.alias(), "-3"));
    saturation = 0;
    c.poke();
    assertThat(log).containsExactly("fast", "slow", "none", "bad");
  }

  @Test
  void edf_withOneTtl_isArrivalOrder_andWithoutTtl_too() {
    FlowController c = controller(settings(Dialect.GIE, 0, 0, Duration.ofSeconds(30),
        band(0, Fairness.GLOBAL_STRICT, Ordering.EDF)));
    enter(c, "first", "b", 0);
    clock.advance(5);
    enter(c, "second", "a", 0);
    saturation = 0;
    c.poke();
    assertThat(log).containsExactly("first", "second");
  }

  @Test
  void capacity_globalRequests_refusesWith429AndTheReferencesMessage_gie() {
    FlowController c = controller(settings(Dialect.GIE, 2, 0, Duration.ZERO, Band.template()));
    enter(c, "a", "t", 0);
    enter(c, "b", "t", 5);
    Req r = enter(c, "c", "t", 10);
    assertThat(r.refusal.code()).isEqualTo(PickerException.Code.RESOURCE_EXHAUSTED);
    assertThat(r.refusal.reason()).isEqualTo("request rejected pre-queue: queue at capacity");
    assertThat(r.refusal.droppedReason()).isNull();
    assertThat(c.queuedRequests()).isEqualTo(2);
    assertThat(outcomes).containsEntry(Outcome.REJECTED_CAPACITY, 1);
  }

  @Test
  void capacity_globalBytes_bandRequests_bandBytes_router() {
    FlowController c = controller(settings(Dialect.ROUTER, 0, 2000, Duration.ZERO, Band.template(),
        new Band(7, 0, 1, Fairness.GLOBAL_STRICT, Ordering.FCFS), new Band(3, 300, 0, Fairness.GLOBAL_STRICT, Ordering.FCFS)));
    enter(c, "big", "t", 0, 1500, Map.of());
    Req overGlobal = enter(c, "over-global", "t", 0, 501, Map.of());
    assertThat(overGlobal.refusal.code().httpStatus()).isEqualTo(429);
    assertThat(overGlobal.refusal.droppedReason()).isEqualTo("rejected-saturated");

    enter(c, "b7", "t", 7, 1, Map.of());
    assertThat(enter(c, "b7-again", "t", 7, 1, Map.of()).refusal).isNotNull(); // band of 7 holds one

    enter(c, "b3", "t", 3, 50, Map.of());
    assertThat(enter(c, "b3-big", "t", 3, 251, Map.of()).refusal).isNotNull(); // band of 3: 300 bytes
    assertThat(c.queuedRequests()).isEqualTo(3);
    assertThat(c.queuedBytes()).isEqualTo(1551);
  }

  @Test
  void router_capacityWithAnEmptyPool_is503NoEndpoints() {
    endpoints = 0;
    FlowController c = controller(settings(Dialect.ROUTER, 1, 0, Duration.ZERO, Band.template()));
    enter(c, "a", "t", 0);
    Req r = enter(c, "b", "t", 0);
    assertThat(r.refusal.code().httpStatus()).isEqualTo(503);
    assertThat(r.refusal.droppedReason()).isEqualTo("rejected-no-endpoints");
    assertThat(outcomes).containsEntry(Outcome.REJECTED_NO_ENDPOINTS, 1);
  }

  @Test
  void ttl_expiresWaitingRequests_gie503() {
    FlowController c = controller(settings(Dialect.GIE, 0, 0, Duration.ofSeconds(2), Band.template()));
    Req a = enter(c, "a", "t", 0);
    clock.advance(1500);
    Req b = enter(c, "b", "t", 0);
    clock.advance(500);
    c.tick();
    assertThat(log).containsExactly("a:503");
    assertThat(a.refusal.body()).isEqualTo(
        "inference error: ServiceUnavailable - request timed out in queue: request evicted from queue: request TTL expired");
    assertThat(b.refusal).isNull();
    assertThat(c.queuedRequests()).isEqualTo(1);
    assertThat(outcomes).containsEntry(Outcome.EVICTED_TTL, 1);
  }

  @Test
  void ttl_router429WithReason_or503WhenThePoolIsEmpty() {
    FlowController c = controller(settings(Dialect.ROUTER, 0, 0, Duration.ofSeconds(1), Band.template()));
    Req a = enter(c, "a", "t", 0);
    clock.advance(1000);
    c.tick();
    assertThat(a.refusal.code().httpStatus()).isEqualTo(429);
    assertThat(a.refusal.droppedReason()).isEqualTo("rejected-ttl-expired");
    assertThat(a.refusal.reason()).isEqualTo("request timed out in queue: request evicted from queue: request TTL expired");

    endpoints = 0;
    Req b = enter(c, "b", "t", 0);
    clock.advance(1000);
    c.tick();
    assertThat(b.refusal.code().httpStatus()).isEqualTo(503);
    assertThat(b.refusal.droppedReason()).isEqualTo("rejected-no-endpoints");
    assertThat(b.refusal.reason()).startsWith("request timed out in queue and no endpoints are available");
  }

  @Test
  void router_noEndpointTtl_appliesWhileThePoolIsEmpty() {
    endpoints = 0;
    FlowControlSettings s = new FlowControlSettings(Dialect.ROUTER, 0, 0, Duration.ofSeconds(60),
        Duration.ofSeconds(5), Band.template(), null, Map.of(), 1.0, null, false);
    FlowController c = controller(s);
    Req a = enter(c, "a", "t", 0);
    clock.advance(4999);
    c.tick();
    assertThat(a.refusal).isNull();
    clock.advance(1);
    c.tick();
    assertThat(a.refusal.droppedReason()).isEqualTo("rejected-no-endpoints");
  }

  @Test
  void withoutTtl_aRequestWaitsUntilItsClientGoes_andLeavesItsQueueAtOnce() {
    FlowController c = controller(settings(Dialect.GIE, 1, 0, Duration.ZERO, Band.template()));
    Req a = enter(c, "a", "t", 0);
    clock.advance(3_600_000);
    c.tick();
    assertThat(a.refusal).isNull();
    a.wait.cancel();
    assertThat(c.queuedRequests()).isZero();
    assertThat(outcomes).containsEntry(Outcome.EVICTED_CONTEXT_CANCELLED, 1);
    Req b = enter(c, "b", "t", 0); // its capacity is free again
    assertThat(b.refusal).isNull();
    a.wait.cancel(); // twice: nothing
    saturation = 0;
    c.poke();
    assertThat(log).containsExactly("b");
  }

  @Test
  void close_answersEveryWaitingRequest_andLaterOnes_perDialect() {
    FlowController gie = controller(gie());
    Req a = enter(gie, "a", "t", 0);
    gie.close();
    assertThat(a.refusal.code()).isEqualTo(PickerException.Code.INTERNAL);
    assertThat(a.refusal.reason()).isEqualTo("internal flow control error: request evicted from queue: flow controller is not running");
    assertThat(enter(gie, "late", "t", 0).refusal).isNotNull();

    FlowController router = controller(settings(Dialect.ROUTER, 0, 0, Duration.ZERO, Band.template()));
    Req b = enter(router, "b", "t", 0);
    router.close();
    assertThat(b.refusal.code().httpStatus()).isEqualTo(503);
    assertThat(b.refusal.droppedReason()).isEqualTo("rejected-shutting-down");
  }

  @Test
  void oneRequestAtATime_isOnItsWayToScheduling_soABurstCannotOvershoot() {
    ArrayDeque<Runnable> loop = new ArrayDeque<>(); // the requests' event loop, run by hand
    executor = loop::add;
    FlowController c = controller(gie());
    enter(c, "a", "t", 0);
    enter(c, "b", "t", 0);
    enter(c, "c", "t", 0);
    saturation = 0;
    c.poke();
    assertThat(loop).hasSize(1);
    loop.poll().run(); // a is scheduled; the next is let on only now
    assertThat(log).containsExactly("a");
    assertThat(loop).hasSize(1);
    saturation = 1.0; // a's in-flight count fills the pool
    loop.poll().run();
    assertThat(log).containsExactly("a", "b");
    assertThat(loop).isEmpty();
    assertThat(c.queuedRequests()).isEqualTo(1);
  }

  @Test
  void aStalePool_isStillDispatched_onTheReadingThePoolGives() {
    stale = true; // the pool judges from in-flight counts: its reading decides, as for fresh data
    saturation = 0.5;
    FlowController c = controller(gie());
    enter(c, "a", "t", 0);
    assertThat(log).containsExactly("a");
  }

  @Test
  void anEmptyPool_dispatchesNothing() {
    endpoints = 0;
    saturation = 0;
    FlowController c = controller(gie());
    enter(c, "a", "t", 0);
    c.poke();
    assertThat(log).isEmpty();
    endpoints = 1;
    c.released();
    assertThat(log).containsExactly("a");
  }

  @Test
  void usageLimit_belowOne_holdsRequestsEarlier() {
    FlowControlSettings s = new FlowControlSettings(Dialect.GIE, 0, 0, Duration.ZERO, Duration.ZERO,
        Band.template(), null, Map.of(), 0.8, null, false);
    saturation = 0.85;
    FlowController c = controller(s);
    enter(c, "a", "t", 0);
    assertThat(log).isEmpty();
    saturation = 0.79;
    c.poke();
    assertThat(log).containsExactly("a");
  }

  @Test
  void unlistedBandsAndEmptyFlows_areDropped_listedBandsStay() {
    FlowController c = controller(settings(Dialect.GIE, 0, 0, Duration.ZERO, Band.template(),
        band(5, Fairness.ROUND_ROBIN, Ordering.FCFS)));
    for (int i = 0; i < 100; i++) {
      enter(c, "r" + i, "flow-" + i, i % 3 - 1);
    }
    saturation = 0;
    c.poke();
    assertThat(log).hasSize(100);
    assertThat(c.queuedRequests()).isZero();
    assertThat(c.queuedRequests(0)).isZero();
  }
}
