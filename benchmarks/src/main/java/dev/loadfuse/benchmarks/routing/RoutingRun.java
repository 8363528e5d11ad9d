package dev.loadfuse.benchmarks.routing;

import dev.loadfuse.benchmarks.sim.EngineModel;
import dev.loadfuse.benchmarks.sim.EngineProfile;
import dev.loadfuse.benchmarks.sim.SimClock;
import dev.loadfuse.benchmarks.sim.SimEngine;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.config.PluginRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs one workload against every policy at every QPS of a sweep: for each point a fresh {@link
 * Fleet} (cold caches), open-loop Poisson arrivals at the QPS (simulated time), the same seeded
 * requests for every policy; then a summary row, the per-request CSV, the summary CSV and charts.
 */
public final class RoutingRun {

  /**
   * @param engines one profile per simulated engine
   * @param qps arrival rates to sweep, requests per simulated second
   * @param requests requests per (policy, QPS) point
   * @param timeScale simulated seconds per real second
   * @param out directory for CSV and PNG files; null writes none
   * @param picker where each point's picker runs: in this JVM, or in a child JVM ({@link
   *     PickerProcess}) so that its added latency is measured apart from the simulator
   */
  public record Options(Workload workload, List<EngineProfile> engines, List<Policy> policies, List<Double> qps,
      int requests, double timeScale, long seed, Path out, Duration scrapeInterval, PickerPlacement picker) {

    /** The picker in this JVM. */
    public Options(Workload workload, List<EngineProfile> engines, List<Policy> policies, List<Double> qps,
        int requests, double timeScale, long seed, Path out, Duration scrapeInterval) {
      this(workload, engines, policies, qps, requests, timeScale, seed, out, scrapeInterval, PickerPlacement.IN_PROCESS);
    }

    public Options {
      if (engines.isEmpty()) {
        throw new IllegalArgumentException("engines: none (expected: >= 1)");
      }
      if (policies.isEmpty()) {
        throw new IllegalArgumentException("policies: none (expected: >= 1)");
      }
      for (double q : qps) {
        if (!(q > 0)) {
          throw new IllegalArgumentException("qps: " + q + " (expected: > 0)");
        }
      }
      if (requests < 1) {
        throw new IllegalArgumentException("requests: " + requests + " (expected: >= 1)");
      }
      new SimClock(timeScale, 0); // validates
    }
  }

  private final Options options;
  private final PrintStream log;
  /** Policies whose GPU source was printed (once each). */
  private final java.util.Set<String> gpuSourceShown = new java.util.HashSet<>();

  public RoutingRun(Options options, PrintStream log) {
    this.options = options;
    this.log = log;
  }

  /** Runs the sweep; returns the summaries of the policies that could run, in run order. */
  public List<Summary> run() throws Exception {
    PluginRegistry registry = InTreePlugins.registry();
    List<Policy> runnable = new ArrayList<>();
    for (Policy p : options.policies()) {
      List<String> missing = p.missingPluginTypes(registry);
      if (missing.isEmpty()) {
        runnable.add(p);
      } else {
        log.println("skipping policy " + p.name() + ": this picker has no plugin of type " + String.join(", ", missing)
            + " (not registered in InTreePlugins yet)");
      }
    }
    List<WorkItem> items = options.workload().generate(options.requests(), options.seed());
    List<Summary> summaries = new ArrayList<>();
    Policy warmUp = runnable.stream().filter(Policy::usesPicker).findFirst().orElse(null);
    if (warmUp != null) {
      // The JIT compiles the picker, sidecar and simulator in the first seconds; real-time stalls
      // then count times the time scale, so one throwaway point runs first.
      log.println("warming up (one throwaway run of " + warmUp.name() + ", not reported)");
      runPoint(warmUp, options.qps().getFirst(), options.workload().generate(Math.min(60, items.size()),
          options.seed() + 1), new ArrayList<>());
    }
    List<String> csv = new ArrayList<>();
    csv.add("workload,policy,qps,index,group,endpoint,start_s,ttft_s,e2e_s,itl_s,prompt_tokens,cached_tokens,"
        + "output_tokens,picker_us,error");
    for (double qps : options.qps()) {
      for (Policy p : runnable) {
        List<Outcome> outcomes = runPoint(p, qps, items, summaries);
        for (Outcome o : outcomes) {
          csv.add(String.join(",", options.workload().name(), p.name(), num(qps), Integer.toString(o.index()),
              o.group(), o.endpoint(), num(o.startSeconds()), num(o.ttftSeconds()), num(o.e2eSeconds()),
              num(o.interTokenSeconds()), Integer.toString(o.promptTokens()), Integer.toString(o.cachedTokens()),
              Integer.toString(o.outputTokens()), num(o.pickerMicros()), '"' + o.error().replace('"', '\'') + '"'));
        }
      }
    }
    log.println();
    log.println("workload " + options.workload().name() + ", " + options.engines().size() + " engines, "
        + options.requests() + " requests per point, time x" + options.timeScale() + " (figures in simulated time), picker "
        + switch (options.picker()) {
          case IN_PROCESS -> "in this JVM";
          case CHILD -> "in a child JVM";
          case CHILD_REALTIME -> "in a child JVM under chrt --rr " + PickerProcess.REALTIME_PRIORITY;
        });
    log.println(Summary.header());
    for (Summary s : summaries) {
      log.println(s.row());
    }
    if (options.out() != null) {
      write(csv, summaries);
    }
    return summaries;
  }

  /**
   * Requests of the measured workload's shape that a fresh picker process routes before a point is
   * timed (answered by the gateway, not the engines; see {@link Gateway#warmUpPicker}). Warmed with
   * small prompts instead, the picker was still compiling its long-prompt path in the first seconds
   * of a point (in one 66 QPS run, 7 of the 10 requests it held over 1 ms came in its first 3 s).
   */
  static final int PICKER_WARM_UP_REQUESTS = 2000;
  /** Mixed into the seed of the warm-up requests, so that they share no prompt text with the measured ones. */
  static final long WARM_UP_SEED = 0x5741524DL;

  private List<Outcome> runPoint(Policy policy, double qps, List<WorkItem> items, List<Summary> summaries)
      throws Exception {
    SimClock clock = SimClock.startingNow(options.timeScale());
    try (Fleet fleet = Fleet.start(options.engines(), clock, policy, options.scrapeInterval(),
            options.picker());
        Gateway gateway = new Gateway(fleet.extProcPort(), fleet.engines(), clock)) {
      fleet.awaitReady(Duration.ofSeconds(20));
      // Once for each policy whose config has GPU plugins.
      if (fleet.gpuSource() != null && policy.configText().contains("gpu-") && gpuSourceShown.add(policy.name())) {
        log.printf(Locale.ROOT, "  %s: GPUs read by %s%n", policy.name(), fleet.gpuSource());
      }
      gateway.warmUp(20);
      if (fleet.pickerProcess() != null) {
        // A fresh child JVM has compiled nothing yet (this one has: the throwaway point).
        gateway.warmUpPicker(options.workload().generate(PICKER_WARM_UP_REQUESTS, options.seed() ^ WARM_UP_SEED), 8);
      }
      String metricsBefore = fleet.pickerMetricsText();
      SplittableRandom arrivals = new SplittableRandom(options.seed() ^ 0x5DEECE66DL);
      List<CompletableFuture<Outcome>> pending = new ArrayList<>(items.size());
      long start = System.nanoTime();
      double at = 0;
      long lastProgress = start;
      String label = String.format(Locale.ROOT, "%-18s qps %5.2f", policy.name(), qps);
      for (int i = 0; i < items.size(); i++) {
        at += -Math.log(1 - arrivals.nextDouble()) / qps;
        long due = start + clock.toRealNanos(at);
        for (long wait; (wait = due - System.nanoTime()) > 0; ) {
          LockSupport.parkNanos(wait);
        }
        if (options.workload().throttlesMidRun() && i == items.size() / 2) {
          fleet.engines().get(0).speedFactor(0.5);
          log.printf(Locale.ROOT, "  %s: %s throttled to 50%% speed at t=%.1fs%n", label, fleet.engines().get(0).name(), at);
        }
        pending.add(gateway.send(i, items.get(i), at));
        if (System.nanoTime() - lastProgress > 2_000_000_000L) {
          lastProgress = System.nanoTime();
          progress(label, pending, items.size(), fleet);
        }
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
      CompletableFuture<Void> all = CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new));
      while (!all.isDone()) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(label + ": requests still unfinished after 180 s real time; "
              + "the fleet is far past its capacity (lower --qps or --requests)");
        }
        try {
          all.get(2, TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          progress(label, pending, items.size(), fleet);
        }
      }
      List<Outcome> outcomes = pending.stream().map(CompletableFuture::join).toList();
      long queried = 0;
      long hits = 0;
      for (SimEngine e : fleet.engines()) {
        EngineModel.Snapshot s = e.snapshot();
        queried += s.prefixQueriedTokensTotal();
        hits += s.prefixHitTokensTotal();
      }
      Summary s = Summary.of(options.workload().name(), policy.name(), qps, outcomes,
          fleet.engines().stream().map(SimEngine::name).toList(), queried == 0 ? 0 : (double) hits / queried);
      if (metricsBefore != null) {
        String metricsAfter = fleet.pickerMetricsText();
        s = s.withPickerSide(pointOnly(metricsBefore, metricsAfter, PickerHistogram.SCHEDULER_E2E),
            pointOnly(metricsBefore, metricsAfter, PickerHistogram.ADDED_LATENCY));
      }
      summaries.add(s);
      log.printf(Locale.ROOT, "  %s: done, ttft p90 %.3fs, e2e p90 %.2fs, %.1f out tok/s, prefix hits %.0f%%, "
              + "requests per endpoint %s%s%s%n", label, s.ttftP90(), s.e2eP90(), s.outputTokensPerSecond(),
          s.prefixHitRate() * 100, s.requestsByEndpoint(), policy.usesPicker() ? String.format(Locale.ROOT,
              ", ext_proc round trip at the gateway p50 %.0f µs p99 %.0f µs real%s", s.pickerP50Micros(),
              s.pickerP99Micros(), Double.isNaN(s.addedP99BoundMicros()) ? "" : String.format(Locale.ROOT,
                  "; picker-side added latency p50 <= %.0f µs, p99 <= %.0f µs (scheduling p50 <= %.0f µs,"
                      + " p99 <= %.0f µs)", s.addedP50BoundMicros(), s.addedP99BoundMicros(),
                  s.schedulerP50BoundMicros(), s.schedulerP99BoundMicros())) : "",
          s.errors() > 0 ? ", " + s.errors() + " errors, first: " + s.firstError() : "");
      return outcomes;
    }
  }

  private static PickerHistogram pointOnly(String before, String after, String name) {
    return PickerHistogram.parse(after, name).minus(PickerHistogram.parse(before, name));
  }

  private void progress(String label, List<CompletableFuture<Outcome>> pending, int total, Fleet fleet) {
    long done = pending.stream().filter(CompletableFuture::isDone).count();
    StringBuilder queues = new StringBuilder();
    for (SimEngine e : fleet.engines()) {
      EngineModel.Snapshot s = e.snapshot();
      queues.append(' ').append(s.running()).append('/').append(s.waiting());
    }
    log.printf(Locale.ROOT, "  %s: sent %d/%d, done %d; running/waiting per engine:%s%n", label, pending.size(), total,
        done, queues);
  }

  private void write(List<String> csv, List<Summary> summaries) throws IOException {
    Files.createDirectories(options.out());
    String w = options.workload().name();
    Files.write(options.out().resolve(w + "-requests.csv"), csv);
    List<String> rows = new ArrayList<>();
    rows.add("workload,policy,qps,requests,errors,ttft_p50_s,ttft_p90_s,ttft_p99_s,e2e_p90_s,e2e_p99_s,itl_p50_s,"
        + "output_tokens_per_s,prefix_hit_rate,load_spread_cv,picker_p50_us,picker_p99_us,scheduler_p50_le_us,"
        + "scheduler_p99_le_us,added_p50_le_us,added_p99_le_us");
    for (Summary s : summaries) {
      rows.add(String.join(",", w, s.policy(), num(s.qps()), Integer.toString(s.requests()),
          Integer.toString(s.errors()), num(s.ttftP50()), num(s.ttftP90()), num(s.ttftP99()), num(s.e2eP90()),
          num(s.e2eP99()), num(s.itlP50()), num(s.outputTokensPerSecond()), num(s.prefixHitRate()),
          num(s.loadSpread()), num(s.pickerP50Micros()), num(s.pickerP99Micros()), num(s.schedulerP50BoundMicros()),
          num(s.schedulerP99BoundMicros()), num(s.addedP50BoundMicros()), num(s.addedP99BoundMicros())));
    }
    Files.write(options.out().resolve(w + "-summary.csv"), rows);
    for (Path chart : Charts.write(options.out(), w, summaries)) {
      log.println("chart: " + chart);
    }
    log.println("csv: " + options.out().resolve(w + "-requests.csv") + ", " + options.out().resolve(w + "-summary.csv"));
  }

  private static String num(double v) {
    return String.format(Locale.ROOT, "%.6g", v);
  }
}
