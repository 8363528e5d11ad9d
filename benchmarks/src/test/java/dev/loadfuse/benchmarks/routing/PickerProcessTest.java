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
import org.junit.jupiter.api.Test;

/**
 * The picker in a child JVM (the real {@code PickerMain}) routes the gateway's requests to the
 * simulated engines, and its own scheduling histogram counts them.
 */
class PickerProcessTest {

  private static final EngineProfile BASE = EngineProfile.builtIn("vllm-8b");

  @Test
  void childJvmPicker_routesEveryRequest_andExportsItsDecisions() throws Exception {
    SimClock clock = SimClock.startingNow(5);
    try (Fleet fleet = Fleet.start(Collections.nCopies(2, BASE), clock, Policy.named("our-default"),
            Duration.ofMillis(50), true);
        Gateway gateway = new Gateway(fleet.extProcPort(), fleet.engines(), clock)) {
      assertThat(fleet.pickerProcess()).isNotNull();
      fleet.awaitReady(Duration.ofSeconds(30));
      gateway.warmUpRouted(BASE.model(), 8, 4);
      PickerProcess.SchedulerHistogram before = fleet.pickerProcess().schedulerHistogram();
      List<WorkItem> items = Workload.named("shared-prefix", BASE.model()).generate(12, 1);
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
      PickerProcess.SchedulerHistogram decisions = fleet.pickerProcess().schedulerHistogram().minus(before);
      assertThat(decisions.count()).isEqualTo(items.size());
      assertThat(decisions.percentileUpperBoundMicros(99)).isPositive();
    }
  }

  @Test
  void histogramPercentile_isTheUpperBoundOfItsBucket() {
    var h = new PickerProcess.SchedulerHistogram(new double[] {0.0001, 0.001, Double.POSITIVE_INFINITY},
        new long[] {90, 99, 100});
    assertThat(h.percentileUpperBoundMicros(50)).isEqualTo(100, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(h.percentileUpperBoundMicros(99)).isEqualTo(1000, org.assertj.core.data.Offset.offset(1e-9));
    assertThat(h.percentileUpperBoundMicros(100)).isInfinite();
    assertThat(h.minus(h).percentileUpperBoundMicros(50)).isNaN();
  }
}
