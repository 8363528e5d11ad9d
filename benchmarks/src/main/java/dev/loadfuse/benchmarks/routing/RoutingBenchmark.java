package dev.loadfuse.benchmarks.routing;

import dev.loadfuse.benchmarks.sim.EngineKind;
import dev.loadfuse.benchmarks.sim.EngineProfile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The routing-quality benchmark from the command line:
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.loadfuse.benchmarks.routing.RoutingBenchmark \
 *     [--workload shared-prefix|chat|long-tail|lora-mix|heterogeneous] [--engines 8] \
 *     [--kinds vllm-v1,sglang,...] [--profile vllm-8b|FILE.yaml] [--qps 4,6,8] [--requests 300] \
 *     [--time-scale 5] [--seed 1] [--policies round-robin,random,...] [--out bench-out] \
 *     [--scrape-interval-ms 50] [--picker-process false|true|realtime]
 * </pre>
 *
 * <p>{@code --picker-process true} runs each point's picker in a child JVM ({@link PickerProcess}:
 * {@code PickerMain} with its in-process sidecar scraping the engines, on loopback), so the picker's
 * added latency is measured apart from the simulator; its GPU plugins then see no GPU. {@code
 * realtime} also runs that JVM under the real-time round-robin policy ({@code chrt --rr}, root or
 * CAP_SYS_NICE), so the simulator's threads cannot preempt it, as on a node where the picker has
 * cores of its own ({@link PickerPlacement#CHILD_REALTIME}).
 *
 * Exit code 2 with one line naming the bad flag for bad arguments.
 *
 * <p>Measured 2026-11-22 on the 2-core shared VM (details and the whole sweep in
 * benchmarks/README.md, "Capacity sweep"): shared-prefix, 8 vLLM V1 engines ({@code vllm-8b}),
 * 300 requests per point, time x2, {@code --picker-process true}. Capacity = highest QPS with
 * TTFT p90 &lt;= 1 s: round-robin &lt; 18, our default 50. At 40 QPS (80 %):
 *
 * <pre>
 * policy             TTFT p90   out tok/s   picker round trip p50/p99 (its own p99)
 * round-robin          7.938 s        721   -
 * reference-default    0.492 s      1,275   1.4 / 8.3 ms (&lt;= 0.5 ms)
 * our-default          0.411 s      1,246   1.2 / 7.3 ms (&lt;= 0.5 ms)
 * </pre>
 *
 * Targets: TTFT p90 &lt;= 1/5 of round-robin's: MET (0.052x). Output tokens/s &gt;= 1.25x: MET
 * (1.73x). Heterogeneous GPU-aware E2E p99 &lt;= 0.7x the default's: MET (0.51x, unchanged profile).
 * Picker added latency p99 &lt; 1 ms at the highest QPS (66): MET, measured at the picker ({@code
 * loadfuse_picker_added_latency_seconds}), 1,200 requests: p99 &lt;= 400 µs for both default
 * profiles with {@code --picker-process realtime} (the CPU of cores of its own), &lt;= 0.5-2 ms at
 * normal priority on the 2 cores shared with the simulator; the gateway's round trip in this
 * harness (p50 ~1 ms, p99 7-29 ms) is mostly the load generator's own JVM waiting for a core.
 */
public final class RoutingBenchmark {

  private static final List<String> FLAGS = List.of("--workload", "--engines", "--kinds", "--profile", "--qps",
      "--requests", "--time-scale", "--seed", "--policies", "--out", "--scrape-interval-ms", "--picker-process");

  private RoutingBenchmark() {}

  public static void main(String[] args) throws Exception {
    List<String> list = List.of(args);
    int w = list.indexOf("--workload");
    if (w >= 0 && w + 1 < args.length && args[w + 1].equals("multi-tenant")) {
      // Flow control's workload runs on simulated time, with flags of its own (MultiTenantRun).
      List<String> rest = new ArrayList<>(list);
      rest.subList(w, w + 2).clear();
      MultiTenantRun.main(rest.toArray(String[]::new));
      return;
    }
    RoutingRun.Options options;
    try {
      options = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("routing benchmark: " + e.getMessage());
      System.exit(2);
      return;
    }
    new RoutingRun(options, System.out).run();
    System.exit(0);
  }

  static RoutingRun.Options parse(String[] args) {
    Map<String, String> a = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (!FLAGS.contains(args[i])) {
        throw new IllegalArgumentException(args[i] + ": unknown argument (expected: " + String.join(", ", FLAGS) + ")");
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException(args[i] + ": missing value");
      }
      a.put(args[i], args[++i]);
    }
    EngineProfile base = profile(a.getOrDefault("--profile", "vllm-8b"));
    int n = integer(a, "--engines", 8);
    List<EngineKind> kinds = new ArrayList<>();
    for (String k : a.getOrDefault("--kinds", base.kind().id()).split(",")) {
      kinds.add(EngineKind.parse("--kinds", k.trim()));
    }
    List<EngineProfile> engines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      engines.add(base.withKind(kinds.get(i % kinds.size())));
    }
    List<Policy> policies = new ArrayList<>();
    for (String p : a.getOrDefault("--policies", String.join(",", Policy.NAMES)).split(",")) {
      try {
        policies.add(Policy.named(p.trim()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--policies: " + e.getMessage());
      }
    }
    List<Double> qps = new ArrayList<>();
    for (String q : a.getOrDefault("--qps", "3,4.5,6").split(",")) {
      try {
        qps.add(Double.parseDouble(q.trim()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("--qps: " + q + " (expected: numbers separated by commas)");
      }
    }
    Workload workload;
    try {
      workload = Workload.named(a.getOrDefault("--workload", "shared-prefix"), base.model());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--" + e.getMessage());
    }
    PickerPlacement picker = PickerPlacement.parse(a.getOrDefault("--picker-process", "false"));
    if (picker == PickerPlacement.CHILD_REALTIME) {
      PickerProcess.checkRealtimeAllowed();
    }
    try {
      return new RoutingRun.Options(workload, engines, policies, qps, integer(a, "--requests", 300),
          number(a, "--time-scale", 5), integer(a, "--seed", 1), Path.of(a.getOrDefault("--out", "bench-out")),
          Duration.ofMillis(integer(a, "--scrape-interval-ms", 50)), picker);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--" + e.getMessage().replace("time scale", "time-scale"));
    }
  }

  private static EngineProfile profile(String nameOrFile) {
    Path p = Path.of(nameOrFile);
    return Files.isRegularFile(p) ? EngineProfile.load(p) : EngineProfile.builtIn(nameOrFile);
  }

  private static int integer(Map<String, String> a, String flag, int dflt) {
    String v = a.get(flag);
    try {
      int n = v == null ? dflt : Integer.parseInt(v);
      if (n < 1) {
        throw new IllegalArgumentException(flag + ": " + v + " (expected: an integer >= 1)");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": " + v + " (expected: an integer >= 1)");
    }
  }

  private static double number(Map<String, String> a, String flag, double dflt) {
    String v = a.get(flag);
    try {
      return v == null ? dflt : Double.parseDouble(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(flag + ": " + v + " (expected: a number)");
    }
  }
}
