package dev.loadfuse.benchmarks.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.benchmarks.sim.EngineProfile;
import dev.loadfuse.benchmarks.sim.SimClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The picker in a child JVM (the real {@code PickerMain}) routes the gateway's requests to the
 * simulated engines, and its own scheduling and added-latency histograms count them.
 */
class PickerProcessTest {

  private static final EngineProfile BASE = EngineProfile.builtIn("vllm-8b");

  @Test
  void childJvmPicker_routesEveryRequest_andExportsItsDecisions() throws Exception {
    SimClock clock = SimClock.startingNow(5);
    try (Fleet fleet = Fleet.start(Collections.nCopies(2, BASE), clock, Policy.named("our-default"),
            Duration.ofMillis(50), PickerPlacement.CHILD);
        Gateway gateway = new Gateway(fleet.extProcPort(), fleet.engines(), clock)) {
      assertThat(fleet.pickerProcess()).isNotNull();
      assertThat(fleet.pickerProcess().schedulingPolicy()).as("SCHED_OTHER").isZero();
      fleet.awaitReady(Duration.ofSeconds(30));
      Workload workload = Workload.named("shared-prefix", BASE.model());
      gateway.warmUpPicker(workload.generate(8, 99), 4);
      // the gateway answered the warm-up itself: the engines saw none of it
      assertThat(fleet.engines()).allSatisfy(e -> assertThat(e.snapshot().promptTokensTotal()).isZero());
      PickerProcess picker = fleet.pickerProcess();
      String before = picker.metricsText();
      List<WorkItem> items = workload.generate(12, 1);
      List<CompletableFuture<Outcome>> pending = new ArrayList<>();
      for (int i = 0; i < items.size(); i++) {
        pending.add(gateway.send(i, items.get(i), 0));
      }
      for (CompletableFuture<Outcome> f : pending) {
        Outcome o = f.get(60, TimeUnit.SECONDS);
        assertThat(o.error()).isEmpty();
        assertThat(o.endpoint()).startsWith("vllm-v1-");
        assertThat(o.outputTokens()).isPositive();
        assertThat(o.pickerMicros()).isPositive();
      }
      String after = picker.metricsText();
      PickerHistogram decisions = PickerHistogram.parse(after, PickerHistogram.SCHEDULER_E2E)
          .minus(PickerHistogram.parse(before, PickerHistogram.SCHEDULER_E2E));
      assertThat(decisions.count()).isEqualTo(items.size());
      assertThat(decisions.percentileUpperBoundMicros(99)).isPositive();
      PickerHistogram added = PickerHistogram.parse(after, PickerHistogram.ADDED_LATENCY)
          .minus(PickerHistogram.parse(before, PickerHistogram.ADDED_LATENCY));
      assertThat(added.count()).isEqualTo(items.size());
      assertThat(added.percentileUpperBoundMicros(99)).isPositive();
    }
  }

  @Test
  void histogramPercentile_isTheUpperBoundOfItsBucket() {
    var h = new PickerHistogram(new double[] {0.0001, 0.001, Double.POSITIVE_INFINITY},
        new long[] {90, 99, 100});
    assertThat(h.percentileUpperBoundMicros(50)).isEqualTo(100, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(h.percentileUpperBoundMicros(99)).isEqualTo(1000, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(h.percentileUpperBoundMicros(100)).isInfinite();
    assertThat(h.minus(h).percentileUpperBoundMicros(50)).isNaN();
  }

  @Test
  void realtimePicker_runsUnderTheRoundRobinPolicy_andRoutes() throws Exception {
    boolean allowed;
    try {
      PickerProcess.checkRealtimeAllowed();
      allowed = true;
    } catch (IllegalArgumentException e) {
      assertThat(e).hasMessageStartingWith("--picker-process realtime: cannot run a process under the real-time")
          .hasMessageContaining("root or CAP_SYS_NICE");
      allowed = false;
    }
    Assumptions.assumeTrue(allowed, "this user may not use the real-time scheduling policy");
    SimClock clock = SimClock.startingNow(5);
    try (Fleet fleet = Fleet.start(Collections.nCopies(2, BASE), clock, Policy.named("our-default"),
            Duration.ofMillis(50), PickerPlacement.CHILD_REALTIME);
        Gateway gateway = new Gateway(fleet.extProcPort(), fleet.engines(), clock)) {
      assertThat(fleet.pickerProcess().schedulingPolicy()).as("SCHED_RR").isEqualTo(2);
      fleet.awaitReady(Duration.ofSeconds(30));
      Outcome o = gateway.send(0, Workload.named("shared-prefix", BASE.model()).generate(1, 5).getFirst(), 0)
          .get(60, TimeUnit.SECONDS);
      assertThat(o.error()).isEmpty();
      assertThat(o.endpoint()).startsWith("vllm-v1-");
    }
  }

  @Test
  void histogram_isReadByName_fromTheExposition() {
    String page = """
        # TYPE loadfuse_picker_added_latency_seconds histogram
        loadfuse_picker_added_latency_seconds_bucket{le="1.0E-4"} 3
        loadfuse_picker_added_latency_seconds_bucket{le="0.001"} 9
        loadfuse_picker_added_latency_seconds_bucket{le="+Inf"} 10
        loadfuse_picker_added_latency_seconds_count 10
        loadfuse_picker_added_latency_seconds_bucket_other{le="1.0"} 99
        """;
    PickerHistogram h = PickerHistogram.parse(page, PickerHistogram.ADDED_LATENCY);
    assertThat(h.cumulativeCounts()).containsExactly(3, 9, 10);
    assertThat(h.percentileUpperBoundMicros(50)).isEqualTo(1000, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(h.percentileUpperBoundMicros(99)).isInfinite();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> PickerHistogram.parse(page, PickerHistogram.SCHEDULER_E2E))
        .hasMessage("the picker's /metrics has no inference_extension_scheduler_e2e_duration_seconds buckets");
  }
}
