package dev.loadfuse.benchmarks.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loadfuse.benchmarks.sim.EngineProfile;
import dev.loadfuse.picker.plugins.InTreePlugins;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Short seeded runs of the whole chain (simulated engines, sidecar, picker over ext_proc, the
 * gateway) that check the direction of the headline results, never their size: CI machines are
 * two shared cores and real-time hiccups are multiplied by the time scale.
 */
class RoutingDirectionTest {

  private static final EngineProfile BASE = EngineProfile.builtIn("vllm-8b");

  private static List<Summary> run(String workload, double qps, int requests, String... policies) throws Exception {
    RoutingRun.Options options = new RoutingRun.Options(Workload.named(workload, BASE.model()),
        Collections.nCopies(4, BASE), List.of(policies).stream().map(Policy::named).toList(), List.of(qps), requests,
        5, 7, null, Duration.ofMillis(50));
    List<Summary> out = new RoutingRun(options, System.out).run();
    for (Summary s : out) {
      assertThat(s.errors()).as("errors of %s: %s", s.policy(), s.firstError()).isZero();
      assertThat(s.requestsByEndpoint().values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(requests);
      assertThat(s.prefixHitRate()).isBetween(0.0, 1.0);
      if (!s.policy().equals("round-robin")) {
        assertThat(s.pickerP99Micros()).as("the picker was asked").isPositive();
        assertThat(s.addedP99BoundMicros()).as("the picker's own view of its added latency").isPositive();
      } else {
        assertThat(s.addedP99BoundMicros()).as("no picker").isNaN();
      }
    }
    return out;
  }

  @Test
  void loadAwareDefault_beatsRoundRobin_andGpuAwareAvoidsTheThrottledGpu() throws Exception {
    List<Summary> s = run("heterogeneous", 9, 120, "round-robin", "our-default", "gpu-aware");
    Summary roundRobin = s.get(0);
    Summary ours = s.get(1);
    Summary gpuAware = s.get(2);
    assertThat(ours.e2eP90()).as("e2e p90, our default vs round-robin").isLessThan(roundRobin.e2eP90());
    // engine 0 runs at half speed for the second half; the GPU-aware profile sees it throttled
    String throttled = "vllm-v1-0";
    assertThat(gpuAware.requestsByEndpoint().get(throttled)).as("requests to the throttled engine")
        .isLessThan(ours.requestsByEndpoint().get(throttled));
  }

  @Test
  void prefixAwareRouting_beatsRoundRobin_onSharedPrefixes() throws Exception {
    assumeTrue(InTreePlugins.registry().types().contains("prefix-cache-scorer"),
        "skipped: this picker has no prefix-cache-scorer plugin yet");
    List<Summary> s = run("shared-prefix", 6, 120, "round-robin", "reference-default");
    // p50, not p90: at this light CI load the tail is the requests whose prefix is not cached anywhere yet
    assertThat(s.get(1).ttftP50()).as("TTFT p50, prefix-aware vs round-robin").isLessThan(s.get(0).ttftP50());
    assertThat(s.get(1).prefixHitRate()).isGreaterThan(s.get(0).prefixHitRate());
  }
}
