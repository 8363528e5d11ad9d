package dev.loadfuse.benchmarks.routing;

import dev.loadfuse.benchmarks.sim.CompletionRequest;
import dev.loadfuse.benchmarks.sim.EngineProfile;
import dev.loadfuse.benchmarks.sim.SimRequest;
import dev.loadfuse.benchmarks.sim.SimTimeFleet;
import dev.loadfuse.picker.flowcontrol.FlowController;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Predicate;
import java.util.concurrent.locks.LockSupport;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;

/**
 * The {@code multi-tenant} workload (issue 17 part 5) on simulated time: three tenants (fairness ids
 * in {@code x-gateway-inference-fairness-id}) and three priorities (InferenceObjectives {@code
 * critical} 10, {@code standard} 0, {@code sheddable} -1, named in {@code
 * x-gateway-inference-objective}); every request's objective is drawn 20/60/20 %. Tenants B and C
 * each send their share as Poisson arrivals; tenant A sends its share, or (the flood) 5× its share
 * on average in bursts: 10× for 2 s, nothing for the next 2 s.
 *
 * <p>Policies: {@code no-flow-control} (the picker's default config: a saturated pool refuses
 * sheddable requests with 429, the rest go through), {@code global-strict} and {@code round-robin}
 * (the {@code flowControl} gate on, every band with that fairness policy, FCFS, TTL 30 s, 10k
 * requests), and {@code round-robin-limit-0.5} (round-robin dispatching only below pool saturation
 * 0.5, a {@code static-usage-limit-policy}). Each policy runs without and with A's flood on the same B and C requests.
 *
 * <p>The engines and the picker are those of {@link SimTimeRun}, but requests may wait in the
 * picker: each is sent when it arrives and the simulation carries on; at every arrival and every
 * scrape (after handing over the vectors and the ended responses) the run waits until the picker
 * has settled (every unanswered request is one its flow controller holds), and a request the picker
 * lets on starts on its engine then. Flow control keeps simulated time ({@code
 * PickerOptions.setFlowControlClock}), so waits and TTLs are simulated seconds. A queued request's
 * start is thus late by up to one scrape interval (50 ms).
 */
public record MultiTenantRun(Options options, PrintStream log) {

  static final String[] TENANTS = {"tenant-a", "tenant-b", "tenant-c"};
  static final String[] OBJECTIVES = {"critical", "standard", "sheddable"};
  static final int[] PRIORITIES = {10, 0, -1};
  static final String FAIRNESS_HEADER = "x-gateway-inference-fairness-id";
  static final String OBJECTIVE_HEADER = "x-gateway-inference-objective";
  static final List<String> POLICIES = List.of("no-flow-control", "global-strict", "round-robin",
      "round-robin-limit-0.5");
  private static final String POOL = "sim-pool";
  private static final Duration SCRAPE = Duration.ofMillis(50);
  private static final Duration WAIT = Duration.ofSeconds(60);

  /**
   * @param share each tenant's arrival rate, requests per simulated second
   * @param seconds how long requests arrive, simulated seconds
   */
  public record Options(List<EngineProfile> engines, double share, double seconds, long seed, Path out) {}

  /** What happened to one request; times in simulated seconds. */
  record Request(int tenant, int objective, double arrival, double queued, double ttft, double e2e, String end) {

    boolean completed() {
      return end.equals("completed");
    }
  }

  /** One run's requests. */
  record Run(String policy, boolean flood, List<Request> requests) {}

  /** The picker config of {@code policy}. */
  static Policy policy(String name) {
    if (name.equals("no-flow-control")) {
      return new Policy(name, ConfigLoader.DEFAULT_CONFIG_TEXT);
    }
    String[] parts = name.split("-limit-", 2);
    String fairness = parts[0] + "-fairness-policy";
    String config = ConfigLoader.DEFAULT_CONFIG_TEXT.replace("featureGates: []", "featureGates: [flowControl]");
    String limit = "";
    if (parts.length == 2) {
      // Dispatch only below this pool saturation: the engines' own queues stay shorter and the
      // order is flow control's.
      config = config.replace("\nplugins:\n", "\nplugins:\n- {name: limit, type: static-usage-limit-policy, parameters: "
          + "{threshold: " + parts[1] + "}}\n");
      limit = "  usageLimitPolicyPluginRef: limit\n";
    }
    return new Policy(name, config + "flowControl:\n  maxRequests: 10k\n  defaultRequestTTL: 30s\n" + limit
        + "  priorityBands:\n"
        + "  - {priority: 10, fairnessPolicyRef: " + fairness + "}\n"
        + "  - {priority: 0, fairnessPolicyRef: " + fairness + "}\n"
        + "  - {priority: -1, fairnessPolicyRef: " + fairness + "}\n");
  }

  /** Every policy without and with the flood. */
  public List<Run> run() throws Exception {
    Path objects = Files.createTempFile("loadfuse-objectives", ".yaml");
    StringBuilder o = new StringBuilder();
    for (int i = 0; i < OBJECTIVES.length; i++) {
      o.append("apiVersion: inference.networking.x-k8s.io/v1alpha2\nkind: InferenceObjective\nmetadata: {name: ")
          .append(OBJECTIVES[i]).append("}\nspec: {priority: ").append(PRIORITIES[i]).append(", poolRef: {name: ")
          .append(POOL).append("}}\n---\n");
    }
    Files.writeString(objects, o);
    List<Run> runs = new ArrayList<>();
    try {
      for (String p : POLICIES) {
        for (boolean flood : new boolean[] {false, true}) {
          long t0 = System.nanoTime();
          Run r = new Point(policy(p), flood, objects).run();
          log.printf(Locale.ROOT, "%s, %s: %d requests in %.1f s real%n", p, flood ? "A floods" : "no flood",
              r.requests().size(), (System.nanoTime() - t0) / 1e9);
          runs.add(r);
        }
      }
    } finally {
      Files.deleteIfExists(objects);
    }
    return runs;
  }

  /** A request to send: its tenant, objective, arrival and body. */
  private record Arrival(int tenant, int objective, double at, WorkItem item) {}

  /** The same seeded requests for every policy; B's and C's the same with and without A's flood. */
  private List<Arrival> arrivals(boolean flood) {
    List<Arrival> out = new ArrayList<>();
    for (int t = 0; t < TENANTS.length; t++) {
      boolean floods = t == 0 && flood;
      List<WorkItem> items = Workload.named("long-tail", "sim-model")
          .generate((int) (options.share() * options.seconds() * (floods ? 12 : 2)) + 64, options.seed() * 7 + t);
      SplittableRandom r = new SplittableRandom(options.seed() * 31 + t);
      // The flood: 10x the share during the first 2 s of every 4 (5x on average), nothing between.
      double rate = floods ? 10 * options.share() : options.share();
      int k = 0;
      for (double at = -Math.log(1 - r.nextDouble()) / rate; at < options.seconds();
          at += -Math.log(1 - r.nextDouble()) / rate) {
        double u = r.nextDouble();
        if (!floods || at % 4 < 2) {
          out.add(new Arrival(t, u < 0.2 ? 0 : u < 0.8 ? 1 : 2, at, items.get(k++ % items.size())));
        }
      }
    }
    out.sort(Comparator.comparingDouble(Arrival::at));
    return out;
  }

  /** One policy, with or without the flood, on a fresh fleet and picker. */
  private final class Point {
    final Policy policy;
    final boolean flood;
    final Path objects;
    final SimTimeRun.Scraper scraper = new SimTimeRun.Scraper(new SimTimeFleet(options.engines()), SCRAPE, SCRAPE);
    final SimTimeFleet fleet = scraper.fleet;
    /** Simulated time for the picker's flow control: a fixed epoch plus the fleet's clock. */
    volatile double now;
    final InstantSource clock = () -> Instant.ofEpochMilli(1_700_000_000_000L + (long) (now * 1000));

    Point(Policy policy, boolean flood, Path objects) {
      this.policy = policy;
      this.flood = flood;
      this.objects = objects;
    }

    /** A request sent and not answered yet. */
    final class Pending {
      final Arrival arrival;
      final SimTimeRun.SimPicker.Exchange exchange;

      Pending(Arrival arrival, SimTimeRun.SimPicker.Exchange exchange) {
        this.arrival = arrival;
        this.exchange = exchange;
      }
    }

    Run run() throws Exception {
      List<Arrival> arrivals = arrivals(flood);
      Request[] results = new Request[arrivals.size()];
      List<Pending> pending = new ArrayList<>();
      java.util.IdentityHashMap<Arrival, Integer> index = new java.util.IdentityHashMap<>();
      for (int i = 0; i < arrivals.size(); i++) {
        index.put(arrivals.get(i), i);
      }
      try (SimTimeRun.SimPicker picker = SimTimeRun.SimPicker.start(policy, fleet,
          o -> o.setObjectsFile(objects.toString()).setFlowControlClock(clock))) {
        FlowController fc = picker.server().flowControl();
        double end = options.seconds() + 120;
        int a = 0;
        for (double t = 0; t < end && (a < arrivals.size() || !pending.isEmpty() || !Double.isNaN(fleet.nextStepEnd()));
            t += SCRAPE.toNanos() / 1e9) {
          while (a < arrivals.size() && arrivals.get(a).at() < t) {
            Arrival x = arrivals.get(a++);
            step(x.at(), picker, fc);
            pending.add(new Pending(x, picker.send(index.get(x), x.item(), FAIRNESS_HEADER, TENANTS[x.tenant()],
                OBJECTIVE_HEADER, OBJECTIVES[x.objective()])));
            settle(picker, fc, pending, results, index);
          }
          step(t, picker, fc);
          if (fc != null) {
            fc.tick();
          }
          settle(picker, fc, pending, results, index);
        }
      }
      List<Request> all = new ArrayList<>();
      for (Request r : results) {
        if (r != null) {
          all.add(r);
        }
      }
      return new Run(policy.name(), flood, all);
    }

    /** Runs the fleet to {@code t}; hands the picker the ended responses and any new vectors. */
    void step(double t, SimTimeRun.SimPicker picker, FlowController fc) {
      scraper.advance(t);
      now = t;
      picker.awaitEnded();
      if (scraper.fresh) {
        picker.publish(scraper.vectors());
        scraper.fresh = false;
      }
    }

    /** Waits until every unanswered request is one the flow controller holds; starts the answered ones. */
    void settle(SimTimeRun.SimPicker picker, FlowController fc, List<Pending> pending, Request[] results,
        java.util.IdentityHashMap<Arrival, Integer> index) {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (true) {
        for (var it = pending.iterator(); it.hasNext(); ) {
          Pending p = it.next();
          SimTimeRun.SimPicker.Route route = p.exchange.poll();
          if (route != null) {
            it.remove();
            start(p.arrival, route, results, index.get(p.arrival));
          }
        }
        if (fc == null ? pending.isEmpty() : fc.settled() && fc.queuedRequests() == pending.size()) {
          return;
        }
        if (System.nanoTime() - deadline > 0) {
          throw new IllegalStateException("the picker did not settle within " + WAIT + " (" + pending.size()
              + " unanswered, " + (fc == null ? 0 : fc.queuedRequests()) + " queued)");
        }
        LockSupport.parkNanos(20_000);
      }
    }

    void start(Arrival x, SimTimeRun.SimPicker.Route route, Request[] results, int i) {
      double queued = now - x.at();
      if (route.error() != null) {
        String end = route.error().contains("timed out in queue") ? "expired" : "refused";
        results[i] = new Request(x.tenant(), x.objective(), x.at(), queued, Double.NaN, Double.NaN, end);
        return;
      }
      double[] first = {Double.NaN};
      double started = Math.max(now, x.at());
      SimRequest.Sink sink = (r, n, finished) -> {
        if (Double.isNaN(first[0])) {
          first[0] = fleet.now();
        }
        if (finished) {
          results[i] = new Request(x.tenant(), x.objective(), x.at(), started - x.at(), first[0] - x.at(),
              fleet.now() - x.at(), "completed");
          route.finish();
        }
      };
      fleet.submit(route.engine(), CompletionRequest.parse(route.body(), x.item().path().endsWith("/chat/completions"))
          .toSimRequest(fleet.profile(route.engine()), sink));
    }
  }

  // ---------------------------------------------------------------- report

  /** One row of figures over the requests {@code which} selects. */
  record Figures(int sent, int completed, int refused, int expired, double ttftP50, double ttftP90, double ttftP99,
      double e2eP99, double queueP90) {

    static Figures of(List<Request> requests, Predicate<Request> which) {
      List<Request> rs = requests.stream().filter(which).toList();
      List<Request> ok = rs.stream().filter(Request::completed).toList();
      double[] ttft = ok.stream().mapToDouble(Request::ttft).sorted().toArray();
      double[] e2e = ok.stream().mapToDouble(Request::e2e).sorted().toArray();
      double[] queue = ok.stream().mapToDouble(Request::queued).sorted().toArray();
      return new Figures(rs.size(), ok.size(), (int) rs.stream().filter(r -> r.end().equals("refused")).count(),
          (int) rs.stream().filter(r -> r.end().equals("expired")).count(), Summary.pct(ttft, 50),
          Summary.pct(ttft, 90), Summary.pct(ttft, 99), Summary.pct(e2e, 99), Summary.pct(queue, 90));
    }

    String row() {
      return String.format(Locale.ROOT, "%d | %d | %d | %d | %.2f | %.2f | %.2f | %.2f | %.2f", sent, completed, refused,
          expired, ttftP50, ttftP90, ttftP99, e2eP99, queueP90);
    }
  }

  static final String HEADER = "| policy | A floods | %s | sent | completed | refused | expired | TTFT p50 (s) "
      + "| TTFT p90 (s) | TTFT p99 (s) | E2E p99 (s) | queue p90 (s) |";

  /** The tables (per tenant, per priority), the targets' verdicts, a CSV and a chart per tenant. */
  void report(List<Run> runs) throws IOException {
    table(runs, "tenant", TENANTS, t -> q -> q.tenant() == t);
    String[] priorities = new String[OBJECTIVES.length];
    for (int o = 0; o < OBJECTIVES.length; o++) {
      priorities[o] = OBJECTIVES[o] + " (" + PRIORITIES[o] + ")";
    }
    table(runs, "priority", priorities, o -> q -> q.objective() == o);
    log.println();
    log.println("| policy | B TTFT p90 flood/none | C TTFT p90 flood/none (target ≤ 1.5) | critical E2E p99 flood/none "
        + "(target ≤ 1.2) | priority ≥ 0 refused (target 0) |");
    log.println("|---|---|---|---|---|");
    for (int i = 0; i + 1 < runs.size(); i += 2) {
      List<Request> none = runs.get(i).requests();
      List<Request> flood = runs.get(i + 1).requests();
      double b = Figures.of(flood, q -> q.tenant() == 1).ttftP90() / Figures.of(none, q -> q.tenant() == 1).ttftP90();
      double c = Figures.of(flood, q -> q.tenant() == 2).ttftP90() / Figures.of(none, q -> q.tenant() == 2).ttftP90();
      double crit = Figures.of(flood, q -> q.objective() == 0).e2eP99() / Figures.of(none, q -> q.objective() == 0).e2eP99();
      long refused = flood.stream().filter(q -> q.objective() < 2 && q.end().equals("refused")).count();
      log.printf(Locale.ROOT, "| %s | %.2f %s | %.2f %s | %.2f %s | %d %s |%n", runs.get(i).policy(), b, mark(b <= 1.5),
          c, mark(c <= 1.5), crit, mark(crit <= 1.2), refused, mark(refused == 0));
    }
    Files.createDirectories(options.out());
    StringBuilder csv = new StringBuilder("policy,flood,tenant,objective,arrival_s,queued_s,ttft_s,e2e_s,end\n");
    for (Run r : runs) {
      for (Request q : r.requests()) {
        csv.append(String.format(Locale.ROOT, "%s,%b,%s,%s,%.3f,%.3f,%.3f,%.3f,%s%n", r.policy(), r.flood(),
            TENANTS[q.tenant()], OBJECTIVES[q.objective()], q.arrival(), q.queued(), q.ttft(), q.e2e(), q.end()));
      }
    }
    Files.writeString(options.out().resolve("multi-tenant-requests.csv"), csv, StandardCharsets.UTF_8);
    System.setProperty("java.awt.headless", "true");
    for (int t = 0; t < TENANTS.length; t++) {
      int tenant = t;
      CategoryChart chart = new CategoryChartBuilder().width(800).height(500)
          .title("multi-tenant: " + TENANTS[t] + " TTFT p90 by policy (simulated time)").xAxisTitle("policy")
          .yAxisTitle("TTFT p90 (s)").build();
      for (boolean flood : new boolean[] {false, true}) {
        List<String> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (Run r : runs) {
          if (r.flood() == flood) {
            xs.add(r.policy());
            double v = Figures.of(r.requests(), q -> q.tenant() == tenant).ttftP90();
            ys.add(Double.isNaN(v) ? 0 : v);
          }
        }
        chart.addSeries(flood ? "tenant A floods" : "no flood", xs, ys);
      }
      Path file = options.out().resolve("multi-tenant-" + TENANTS[t] + "-ttft-p90.png");
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
      log.println("chart: " + file);
    }
  }

  /** One table: a row per run and per label, over the requests {@code which} selects for that label's index. */
  private void table(List<Run> runs, String column, String[] labels,
      java.util.function.IntFunction<Predicate<Request>> which) {
    log.println();
    log.println(String.format(HEADER, column));
    log.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for (Run r : runs) {
      for (int i = 0; i < labels.length; i++) {
        log.println("| " + r.policy() + " | " + (r.flood() ? "yes" : "no") + " | " + labels[i] + " | "
            + Figures.of(r.requests(), which.apply(i)).row() + " |");
      }
    }
  }

  private static String mark(boolean met) {
    return met ? "met" : "**missed**";
  }

  /**
   * {@code java -cp benchmarks.jar dev.loadfuse.benchmarks.routing.MultiTenantRun [--engines 2]
   * [--share 1.5] [--seconds 40] [--seed 1] [--out bench-out]}
   */
  public static void main(String[] args) throws Exception {
    Map<String, String> a = new java.util.LinkedHashMap<>(Map.of("--engines", "2", "--share", "1.5",
        "--seconds", "40", "--seed", "1", "--out", "bench-out"));
    for (int i = 0; i < args.length; i += 2) {
      if (!a.containsKey(args[i]) || i + 1 >= args.length) {
        System.err.println("multi-tenant: " + args[i] + ": unknown flag or missing value (flags: " + a.keySet() + ")");
        System.exit(2);
      }
      a.put(args[i], args[i + 1]);
    }
    List<EngineProfile> engines = new ArrayList<>();
    for (int i = 0; i < Integer.parseInt(a.get("--engines")); i++) {
      engines.add(EngineProfile.builtIn("vllm-8b"));
    }
    MultiTenantRun run = new MultiTenantRun(new Options(engines, Double.parseDouble(a.get("--share")),
        Double.parseDouble(a.get("--seconds")), Long.parseLong(a.get("--seed")), Path.of(a.get("--out"))), System.out);
    run.report(run.run());
    System.exit(0);
  }
}
