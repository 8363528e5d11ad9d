package dev.loadfuse.benchmarks.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.benchmarks.sim.EngineProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-tenant workload on simulated time, briefly: every request ends one way or another, a
 * saturated pool without flow control refuses sheddable requests, and flow control queues them
 * instead (outcomes, never timings: those are in benchmarks/README.md).
 */
class MultiTenantRunTest {

  @Test
  void withoutFlowControlSheddableRequestsAreRefused_withItNoneIs(@TempDir Path out) throws Exception {
    MultiTenantRun run = new MultiTenantRun(new MultiTenantRun.Options(
        Collections.nCopies(2, EngineProfile.builtIn("vllm-8b")), 1.5, 20, 1, out), System.out);
    List<MultiTenantRun.Run> runs = run.run();
    assertThat(runs).extracting(MultiTenantRun.Run::policy).containsExactly("no-flow-control", "no-flow-control",
        "global-strict", "global-strict", "round-robin", "round-robin", "round-robin-limit-0.5",
        "round-robin-limit-0.5");
    for (MultiTenantRun.Run r : runs) {
      assertThat(r.requests()).as("%s: every request ended", r.policy()).allSatisfy(q ->
          assertThat(q.end()).isIn("completed", "refused", "expired"));
      if (!r.policy().equals("no-flow-control")) {
        assertThat(r.requests()).as("%s refuses nothing", r.policy()).noneMatch(q -> q.end().equals("refused"));
      }
    }
    MultiTenantRun.Run unprotected = runs.get(1);
    assertThat(unprotected.requests()).as("sheddable requests refused under the flood without flow control")
        .anyMatch(q -> q.objective() == 2 && q.end().equals("refused"));
    assertThat(unprotected.requests()).as("and only sheddable ones")
        .noneMatch(q -> q.objective() < 2 && q.end().equals("refused"));
    run.report(runs);
    assertThat(out.resolve("multi-tenant-requests.csv")).isNotEmptyFile();
    for (String tenant : MultiTenantRun.TENANTS) {
      assertThat(Files.size(out.resolve("multi-tenant-" + tenant + "-ttft-p90.png"))).isPositive();
    }
  }
}
