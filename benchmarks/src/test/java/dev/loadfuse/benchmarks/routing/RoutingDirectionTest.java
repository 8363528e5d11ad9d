package dev.loadfuse.benchmarks.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.benchmarks.sim.EngineProfile;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The direction of the headline results, never their size, on simulated time ({@link SimTimeRun}):
 * seeded requests and arrivals, simulated engines whose clock stands still while the real picker
 * decides over ext_proc, so the outcome does not depend on how busy the machine is.
 */
class RoutingDirectionTest {

  private static final EngineProfile BASE = EngineProfile.builtIn("vllm-8b");

  private static List<SimTimeRun.Result> run(String workload, double qps, int requests, String... policies)
      throws Exception {
    SimTimeRun.Options options = new SimTimeRun.Options(Workload.named(workload, BASE.model()),
        Collections.nCopies(4, BASE), List.of(policies).stream().map(Policy::named).toList(), qps, requests, 7,
        Duration.ofMillis(50), Duration.ofMillis(100));
    List<SimTimeRun.Result> out = new SimTimeRun(options, System.out).run();
    for (SimTimeRun.Result r : out) {
      Summary s = r.summary();
      assertThat(s.errors()).as("errors of %s: %s", s.policy(), s.firstError()).isZero();
      assertThat(s.requestsByEndpoint().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(requests);
      assertThat(s.prefixHitRate()).isBetween(0.0, 1.0);
      if (!s.policy().equals("round-robin")) {
        assertThat(s.pickerP99Micros()).as("the picker was asked").isPositive();
      }
    }
    return out;
  }

  /** Requests sent to {@code engine} from the {@code from}-th arrival on. */
  private static long sentTo(SimTimeRun.Result r, String engine, int from) {
    return r.outcomes().stream().filter(o -> o.index() >= from && o.endpoint().equals(engine)).count();
  }

  @Test
  void loadAwareDefault_beatsRoundRobin_andGpuAwareAvoidsTheThrottledGpu() throws Exception {
    List<SimTimeRun.Result> r = run("heterogeneous", 9, 120, "round-robin", "our-default", "gpu-aware");
    Summary roundRobin = r.get(0).summary();
    Summary ours = r.get(1).summary();
    assertThat(ours.e2eP90()).as("e2e p90, our default vs round-robin").isLessThan(roundRobin.e2eP90());
    // engine 0 runs at half speed from the 60th request on; the GPU-aware profile sees it throttled
    String throttled = "vllm-v1-0";
    assertThat(sentTo(r.get(2), throttled, 60)).as("requests to the throttled engine once throttled, GPU-aware")
        .isLessThan(sentTo(r.get(1), throttled, 60));
  }

  @Test
  void prefixAwareRouting_beatsRoundRobin_onSharedPrefixes() throws Exception {
    List<SimTimeRun.Result> r = run("shared-prefix", 6, 120, "round-robin", "reference-default");
    Summary roundRobin = r.get(0).summary();
    Summary prefixAware = r.get(1).summary();
    // p50, not p90: at this light load the tail is the requests whose prefix is not cached anywhere yet
    assertThat(prefixAware.ttftP50()).as("TTFT p50, prefix-aware vs round-robin").isLessThan(roundRobin.ttftP50());
    assertThat(prefixAware.prefixHitRate()).isGreaterThan(roundRobin.prefixHitRate());
  }
}
