package dev.loadfuse.benchmarks.picker;

import dev.loadfuse.picker.candidate.Candidates;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.candidate.StalenessPolicy;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.plugins.scorer.prefix.PrefixCacheScorer;
import dev.loadfuse.picker.plugins.scorer.prefix.PrefixIndex;
import dev.loadfuse.picker.scheduling.ProfileResult;
import dev.loadfuse.picker.scheduling.Scheduler;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The prefix-cache scorer in the reference's default profile (queue-scorer 2,
 * kv-cache-utilization-scorer 2, prefix-cache-scorer 3, max-score-picker) over {@code endpoints}
 * endpoints whose index already holds {@code cachedPrefixes} prompts (each 16 blocks, the first 4
 * shared by groups of 100 prompts, spread over all endpoints: ~1.6 M entries at 100,000), as the
 * ext_proc stream runs it, with the Prometheus timers:
 *
 * <ul>
 *   <li>{@code decideHit}: a 4 KB prompt (64 blocks) that one endpoint holds entirely: hashing the
 *       blocks, matching them, the other scorers and the picker;
 *   <li>{@code decideMiss}: a 4 KB prompt no endpoint holds;
 *   <li>{@code decideHitAndLearn}: {@code decideHit} plus the after-pick index update (the {@code
 *       PreRequest} step, which runs once Envoy has its answer).
 * </ul>
 *
 * <p>Setup prints the index's memory per entry (its arrays over its entries, and the heap growth
 * measured after a GC).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar PrefixCacheBenchmark -f 1 -wi 2 -w 2s -i 3 -r 3s
 * -prof gc}. Target: p50 <= 30 µs per decision with a 4 KB prompt over 100 endpoints; a prompt
 * without match no slower than the existing targets (p50 <= 20 µs, p99 <= 100 µs).
 *
 * <p><b>Measured</b> (2026-11-22, JDK 25 Temurin, {@code -f 1 -wi 2 -w 2s -i 3 -r 3s -prof gc}; the 2-core
 * shared VM with a load average of 9-12 from other builds, so the tails are the VM, not the code):
 *
 * <table>
 *   <caption>µs per decision, default profile + prefix-cache-scorer, index of 100,000 prompts (1.6 M entries)</caption>
 *   <tr><th>benchmark</th><th>endpoints</th><th>p50</th><th>p90</th><th>p99</th><th>bytes allocated</th></tr>
 *   <tr><td>decideHit</td><td>100</td><td>3.70</td><td>4.80</td><td>13.7</td><td>4,629</td></tr>
 *   <tr><td>decideHitAndLearn</td><td>100</td><td>4.20</td><td>4.70</td><td>15.8</td><td>4,628</td></tr>
 *   <tr><td>decideMiss</td><td>100</td><td>2.87</td><td>3.15</td><td>4.76</td><td>3,762</td></tr>
 *   <tr><td>decideHit</td><td>1000</td><td>13.6</td><td>14.3</td><td>62.7</td><td>37,192</td></tr>
 *   <tr><td>decideHitAndLearn</td><td>1000</td><td>14.6</td><td>15.6</td><td>67.6</td><td>37,192</td></tr>
 *   <tr><td>decideMiss</td><td>1000</td><td>9.20</td><td>10.1</td><td>40.2</td><td>29,013</td></tr>
 * </table>
 *
 * <p>Target p50 <= 30 µs (4 KB, 100 endpoints) met 8×; a prompt without match costs ~2 µs more than
 * the default profile alone (hashing 64 blocks), well inside p50 <= 20 µs / p99 <= 100 µs. Memory:
 * the index's arrays hold 62.9 bytes per entry as allocated (doubling growth; 24 per node plus the
 * hash table, 1.2 M distinct hashes), 81 bytes per entry of heap growth after a GC; 1.6 M entries in
 * ~100 MB of about a dozen arrays, so a GC traces a handful of objects, not millions.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PrefixCacheBenchmark {

  static final String CONFIG = """
      apiVersion: inference.networking.x-k8s.io/v1alpha1
      kind: EndpointPickerConfig
      plugins: [{type: queue-scorer}, {type: kv-cache-utilization-scorer}, {type: prefix-cache-scorer}, {type: max-score-picker}]
      schedulingProfiles:
      - name: default
        plugins:
        - {pluginRef: queue-scorer, weight: 2}
        - {pluginRef: kv-cache-utilization-scorer, weight: 2}
        - {pluginRef: prefix-cache-scorer, weight: 3}
        - {pluginRef: max-score-picker}
      """;
  static final String MODEL = "meta-llama/Llama-3.1-8B-Instruct";

  @Param({"100", "1000"})
  public int endpoints;

  @Param({"100000"})
  public int cachedPrefixes;

  private Scheduler scheduler;
  private final StalenessPolicy staleness = new StalenessPolicy(2_000);
  private EndpointState[] candidates;
  private SchedulingRequest hit;
  private SchedulingRequest miss;

  @Setup
  public void setup() {
    PickerConfig config = new ConfigLoader(InTreePlugins.registry()).load(CONFIG, "benchmark");
    scheduler = config.scheduler(new PickerMetrics());
    PrefixCacheScorer scorer = (PrefixCacheScorer) config.plugins().get(2);
    SplittableRandom r = new SplittableRandom(7);
    long now = System.currentTimeMillis();
    candidates = SchedulingBenchmark.randomEndpoints(endpoints, r);
    System.gc();
    long before = usedHeap();
    PrefixIndex index = scorer.index();
    long[] hashes = new long[16];
    for (int p = 0; p < cachedPrefixes; p++) {
      long group = p / 100;
      for (int b = 0; b < hashes.length; b++) {
        hashes[b] = b < 4 ? group * 31 + b : r.nextLong();
      }
      index.record(candidates[p % endpoints].hostPort(), 31_250, hashes, hashes.length);
    }
    System.gc();
    long after = usedHeap();
    System.out.printf("%nindex: %,d entries, %,d distinct hashes, arrays %,d bytes (%.1f B/entry), heap growth %,d bytes "
            + "(%.1f B/entry)%n", index.size(), index.distinctHashes(), index.arrayBytes(),
        index.arrayBytes() / (double) index.size(), after - before, (after - before) / (double) index.size());

    String prompt = fourKb("You are a helpful assistant. Answer briefly and cite the manual. ");
    hit = new SchedulingRequest("hit", MODEL, MODEL, 0, null, Map.of(), 4096, prompt, "");
    miss = new SchedulingRequest("miss", MODEL, MODEL, 0, null, Map.of(), 4096,
        fourKb("Something nobody asked before, with nothing in common at all. "), "");
    // One endpoint holds the hit prompt: route it there once.
    SchedulingCycle c = new SchedulingCycle(hit, now, null);
    EndpointView[] views = staleness.views(candidates, candidates.length, now).views();
    scheduler.schedule(c, views, views.length);
    scheduler.preRequest(c, SchedulingResult.of(new ProfileResult("default", List.of(views[endpoints / 2]))));
  }

  private static String fourKb(String seed) {
    StringBuilder sb = new StringBuilder(4096);
    for (int i = 0; sb.length() < 4096; i++) {
      sb.append(seed).append(i).append(' ');
    }
    return sb.substring(0, 4096);
  }

  private static long usedHeap() {
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** One decision as the routing stage makes it: the candidates' views at the cycle's time, then the scheduler. */
  private SchedulingResult decide(SchedulingCycle cycle) {
    Candidates c = staleness.views(candidates, candidates.length, cycle.nowMillis());
    return scheduler.schedule(cycle, c.views(), c.count());
  }

  @Benchmark
  public SchedulingResult decideHit() {
    return decide(new SchedulingCycle(hit, System.currentTimeMillis(), null));
  }

  @Benchmark
  public SchedulingResult decideMiss() {
    return decide(new SchedulingCycle(miss, System.currentTimeMillis(), null));
  }

  @Benchmark
  public SchedulingResult decideHitAndLearn() {
    SchedulingCycle cycle = new SchedulingCycle(hit, System.currentTimeMillis(), null);
    SchedulingResult result = decide(cycle);
    scheduler.preRequest(cycle, result);
    return result;
  }
}
