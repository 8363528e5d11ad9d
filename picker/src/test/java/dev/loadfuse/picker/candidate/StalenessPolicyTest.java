package dev.loadfuse.picker.candidate;

import static dev.loadfuse.picker.testing.TestEndpoints.NOW;
import static dev.loadfuse.picker.testing.TestEndpoints.STALE_MS;
import static dev.loadfuse.picker.testing.TestEndpoints.endpoint;
import static dev.loadfuse.picker.testing.TestEndpoints.gpu;
import static dev.loadfuse.picker.testing.TestEndpoints.gpuVector;
import static dev.loadfuse.picker.testing.TestEndpoints.id;
import static dev.loadfuse.picker.testing.TestEndpoints.lora;
import static dev.loadfuse.picker.testing.TestEndpoints.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StalenessPolicyTest {

  private final StalenessPolicy policy = new StalenessPolicy(STALE_MS);

  private static EndpointState state(int i, LoadVector v) {
    EndpointState s = new EndpointState(id(i), Map.of("role", "r" + i));
    if (v != null) {
      s.update(v);
    }
    return s;
  }

  @Test
  void freshVector_isCopiedWithThePickersUnreflectedPicks() {
    LoadVector v = new LoadVector(id(0), "vllm", 3, 5, 0.5, lora(List.of("a"), List.of(), 2), 16, 1000, List.of(),
        NOW - 10, List.of(), 0, true, false, null);
    EndpointState s = state(0, v);
    s.acquire(40);
    s.acquire(0);
    Candidates c = policy.views(new EndpointState[] {s}, 1, NOW);
    assertThat(c.failOpen()).isFalse();
    EndpointView e = c.views()[0];
    assertThat(e.id()).isEqualTo(id(0));
    assertThat(e.hostPort()).isEqualTo("10.0.0.1:8000");
    assertThat(e.labels()).containsEntry("role", "r0");
    assertThat(e.waitingRequests()).isEqualTo(3);
    assertThat(e.runningRequests()).isEqualTo(5);
    assertThat(e.kvCacheUsage()).isEqualTo(0.5);
    assertThat(e.lora()).isEqualTo(v.lora());
    assertThat(e.cacheBlockSize()).isEqualTo(16);
    assertThat(e.numGpuBlocks()).isEqualTo(1000);
    assertThat(e.queueDepth()).isEqualTo(5);
    assertThat(e.runningDepth()).isEqualTo(7);
    assertThat(e.inFlight()).isEqualTo(2);
    assertThat(e.inFlightTokens()).isEqualTo(40);
    assertThat(e.engineFresh()).isTrue();
    assertThat(e.engineAgeMillis(NOW)).isEqualTo(10);
    assertThat(e.healthy()).isTrue();
    assertThat(c.stateOf(e)).isSameAs(s);
  }

  @Test
  void absentOrStaleMetrics_areNaN_andTheDepthsFallBackToTheInFlightCount() {
    EndpointState never = state(0, null);
    never.acquire();
    never.acquire();
    EndpointState stale = state(1, vector(id(1), 9, 9, 0.9, NOW - STALE_MS - 1));
    EndpointState noWaiting = state(2, vector(id(2), Double.NaN, 4, 0.1, NOW));
    noWaiting.acquire();
    Candidates c = policy.views(new EndpointState[] {never, stale, noWaiting}, 3, NOW);
    assertThat(c.failOpen()).isFalse();

    EndpointView n = c.views()[0];
    assertThat(n.queueDepth()).isEqualTo(2);
    assertThat(n.runningDepth()).isEqualTo(2);
    assertThat(n.kvCacheUsage()).isNaN();
    assertThat(n.engineFresh()).isFalse();
    assertThat(n.engineAgeMillis(NOW)).isEqualTo(Long.MAX_VALUE);
    assertThat(n.healthy()).isFalse();

    EndpointView s = c.views()[1];
    assertThat(s.engineFresh()).isFalse();
    assertThat(s.waitingRequests()).isNaN();
    assertThat(s.kvCacheUsage()).isNaN();
    assertThat(s.queueDepth()).isZero();
    assertThat(s.engineAgeMillis(NOW)).isEqualTo(STALE_MS + 1);

    EndpointView w = c.views()[2];
    assertThat(w.queueDepth()).isEqualTo(1);
    assertThat(w.runningDepth()).isEqualTo(5);
    assertThat(w.kvCacheUsage()).isEqualTo(0.1);
  }

  @Test
  void atTheThreshold_isFresh_oneMillisecondLater_isNot() {
    EndpointState edge = state(0, vector(id(0), 1, 0, 0, NOW - STALE_MS));
    EndpointState fresh = endpoint(1, 0, 0, 0);
    assertThat(policy.views(new EndpointState[] {edge, fresh}, 2, NOW).views()[0].waitingRequests()).isEqualTo(1);
    assertThat(policy.views(new EndpointState[] {edge, fresh}, 2, NOW + 1).views()[0].waitingRequests()).isNaN();
  }

  @Test
  void everyCandidateStale_failsOpen_withTheLastKnownValues() {
    LoadVector old = vector(id(0), 4, 2, 0.3, NOW - 60_000).withGpus(List.of(gpu(0, 0.5, 0.5).build()), NOW - 60_000);
    EndpointState stale = state(0, old);
    stale.acquire();
    EndpointState never = state(1, null);
    Candidates c = policy.views(new EndpointState[] {stale, never}, 2, NOW);
    assertThat(c.failOpen()).isTrue();
    assertThat(c.neverMeasured()).isFalse();
    assertThat(policy.allStale(new EndpointState[] {stale, never}, 2, NOW)).isTrue();
    EndpointView s = c.views()[0];
    assertThat(s.engineFresh()).isTrue();
    assertThat(s.waitingRequests()).isEqualTo(4);
    assertThat(s.queueDepth()).isEqualTo(5);
    assertThat(s.kvCacheUsage()).isEqualTo(0.3);
    assertThat(s.gpuFresh()).isTrue();
    assertThat(s.gpus()).hasSize(1);
    assertThat(s.engineAgeMillis(NOW)).isEqualTo(60_000);
    assertThat(c.views()[1].engineFresh()).isFalse();
    assertThat(c.views()[1].queueDepth()).isZero();
  }

  @Test
  void nothingMeasuredYet_failsOpen_neverMeasured() {
    Candidates c = policy.views(new EndpointState[] {state(0, null), state(1, null)}, 2, NOW);
    assertThat(c.failOpen()).isTrue();
    assertThat(c.neverMeasured()).isTrue();
  }

  @Test
  void noCandidates_isNoOutage() {
    assertThat(policy.views(new EndpointState[0], 0, NOW).failOpen()).isFalse();
    assertThat(policy.allStale(new EndpointState[0], 0, NOW)).isFalse();
  }

  @Test
  void gpuReadings_olderThanTheThreshold_areLeftOut_butALostGpuIsNot() {
    LoadVector v = gpuVector(0, gpu(0, 0.5, 0.5).build());
    EndpointState fresh = state(0, v);
    EndpointState old = state(1, vector(id(1), 0, 0, 0, NOW)
        .withGpus(List.of(gpu(1, 0.5, 0.5).build()), NOW - STALE_MS - 1).withHealth(false, true, "GPU lost"));
    Candidates c = policy.views(new EndpointState[] {fresh, old}, 2, NOW);
    assertThat(c.views()[0].gpuFresh()).isTrue();
    assertThat(c.views()[0].gpus()).isEqualTo(v.gpus());
    assertThat(c.views()[1].gpuFresh()).isFalse();
    assertThat(c.views()[1].gpus()).isEmpty();
    assertThat(c.views()[1].gpuLost()).isTrue();
    assertThat(c.views()[1].healthy()).isFalse();
  }

  @Test
  void aView_isReusedWhileNothingItShowsChanges_andRebuiltWhenSomethingDoes() {
    EndpointState s = endpoint(0, 3, 0, 0.1);
    EndpointState other = endpoint(1, 0, 0, 0);
    EndpointState[] both = {s, other};
    EndpointView first = policy.views(both, 2, NOW).views()[0];
    EndpointView same = policy.views(both, 2, NOW + 1_000).views()[0];
    assertThat(same).isSameAs(first);
    assertThat(same.engineAgeMillis(NOW + 1_000)).isEqualTo(1_000); // the age follows the cycle's clock

    var picked = s.acquire(8); // a pick: counters changed
    EndpointView afterPick = policy.views(both, 2, NOW).views()[0];
    assertThat(afterPick).isNotSameAs(first);
    assertThat(afterPick.queueDepth()).isEqualTo(4);
    assertThat(afterPick.inFlightTokens()).isEqualTo(8);
    picked.release();
    assertThat(policy.views(both, 2, NOW).views()[0].queueDepth()).isEqualTo(3);

    s.update(vector(id(0), 5, 0, 0.1, NOW + 10)); // a new vector
    assertThat(policy.views(both, 2, NOW + 10).views()[0].waitingRequests()).isEqualTo(5);

    other.update(vector(id(1), 0, 0, 0, NOW + 5_000)); // keeps the cycle out of fail-open
    EndpointView stale = policy.views(both, 2, NOW + 10 + STALE_MS + 1).views()[0]; // the verdict changed
    assertThat(stale.engineFresh()).isFalse();
    assertThat(stale.waitingRequests()).isNaN();
    assertThat(stale.queueDepth()).isZero();

    // A clock set back: the sample is fresh again at that reading.
    assertThat(policy.views(both, 2, NOW + 20).views()[0].waitingRequests()).isEqualTo(5);
  }

  @Test
  void theArrayOfViews_isReusedOverTheSameEndpoints_andCopiedNotWrittenWhenAViewChanges() {
    EndpointState[] eps = {endpoint(0, 1, 0, 0), endpoint(1, 2, 0, 0), endpoint(2, 3, 0, 0)};
    EndpointView[] first = policy.views(eps, 3, NOW).views();
    assertThat(policy.views(eps, 3, NOW + 1).views()).isSameAs(first);

    var picked = eps[1].acquire();
    EndpointView[] second = policy.views(eps, 3, NOW + 2).views();
    assertThat(second).isNotSameAs(first);
    assertThat(second[0]).isSameAs(first[0]);
    assertThat(second[2]).isSameAs(first[2]);
    assertThat(second[1].queueDepth()).isEqualTo(3);
    assertThat(first[1].queueDepth()).isEqualTo(2); // the earlier cycle's array is left as it was
    picked.release();

    EndpointState[] other = eps.clone(); // another array (e.g. a subset): its own views array
    assertThat(policy.views(other, 3, NOW + 3).views()).isNotSameAs(second).containsExactly(
        policy.views(eps, 3, NOW + 3).views());
  }

  @Test
  void aFailOpenView_isNotReusedOnceTheOutageEnds() {
    EndpointState a = state(0, vector(id(0), 2, 0, 0, NOW - 60_000));
    EndpointState b = state(1, vector(id(1), 0, 0, 0, NOW - 60_000));
    EndpointState[] both = {a, b};
    assertThat(policy.views(both, 2, NOW).views()[0].waitingRequests()).isEqualTo(2);
    b.update(vector(id(1), 0, 0, 0, NOW)); // the outage ends; nothing of a changed
    EndpointView afterOutage = policy.views(both, 2, NOW).views()[0];
    assertThat(afterOutage.engineFresh()).isFalse();
    assertThat(afterOutage.waitingRequests()).isNaN();
  }

  @Test
  void stateOf_aViewOfAnotherEndpoint_isRefused() {
    Candidates a = policy.views(new EndpointState[] {endpoint(0, 0, 0, 0)}, 1, NOW);
    Candidates b = policy.views(new EndpointState[] {endpoint(1, 0, 0, 0)}, 1, NOW);
    assertThatThrownBy(() -> a.stateOf(b.views()[0])).hasMessage("ep-1@10.0.0.2:8000 is not a view of this cycle");
  }

  @Test
  void thresholdBelowOne_isRefused() {
    assertThatThrownBy(() -> new StalenessPolicy(0)).hasMessage("staleAfterMillis: 0 (expected: >= 1)");
  }
}
