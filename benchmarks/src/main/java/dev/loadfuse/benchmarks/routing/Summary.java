package dev.loadfuse.benchmarks.routing;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The figures of one (policy, QPS) point, latencies in simulated seconds.
 *
 * @param outputTokensPerSecond output tokens of successful requests / (last completion - first send)
 * @param prefixHitRate prompt tokens served from the engines' prefix caches / prompt tokens in full blocks
 * @param loadSpread coefficient of variation of requests per endpoint (0 = perfectly even)
 * @param pickerP50Micros real µs from the first ext_proc message to the routed body back, as the
 *     gateway saw it (0 without a picker)
 * @param schedulerP50BoundMicros the upper bound of the bucket of the picker's own {@code
 *     inference_extension_scheduler_e2e_duration_seconds} holding the point's median decision; NaN
 *     without a picker
 * @param addedP50BoundMicros likewise for its {@code loadfuse_picker_added_latency_seconds}, the
 *     time it held each routed request (from reading the message that completed the request to
 *     handing its answer to the transport); NaN without a picker
 * @param requestsByEndpoint where the requests went
 */
public record Summary(
    String workload,
    String policy,
    double qps,
    int requests,
    int errors,
    double ttftP50,
    double ttftP90,
    double ttftP99,
    double e2eP90,
    double e2eP99,
    double itlP50,
    double outputTokensPerSecond,
    double prefixHitRate,
    double loadSpread,
    double pickerP50Micros,
    double pickerP99Micros,
    double schedulerP50BoundMicros,
    double schedulerP99BoundMicros,
    double addedP50BoundMicros,
    double addedP99BoundMicros,
    Map<String, Integer> requestsByEndpoint,
    String firstError) {

  static Summary of(String workload, String policy, double qps, List<Outcome> outcomes, List<String> endpoints,
      double prefixHitRate) {
    List<Outcome> ok = outcomes.stream().filter(Outcome::ok).toList();
    double[] ttft = ok.stream().mapToDouble(Outcome::ttftSeconds).sorted().toArray();
    double[] e2e = ok.stream().mapToDouble(Outcome::e2eSeconds).sorted().toArray();
    double[] itl = ok.stream().mapToDouble(Outcome::interTokenSeconds).sorted().toArray();
    double[] picker = ok.stream().mapToDouble(Outcome::pickerMicros).sorted().toArray();
    double first = outcomes.stream().mapToDouble(Outcome::startSeconds).min().orElse(0);
    double last = ok.stream().mapToDouble(o -> o.startSeconds() + o.e2eSeconds()).max().orElse(first);
    long tokens = ok.stream().mapToLong(Outcome::outputTokens).sum();
    Map<String, Integer> by = new TreeMap<>();
    endpoints.forEach(e -> by.put(e, 0));
    ok.forEach(o -> by.merge(o.endpoint(), 1, Integer::sum));
    double mean = by.values().stream().mapToInt(Integer::intValue).average().orElse(0);
    double var = by.values().stream().mapToDouble(v -> (v - mean) * (v - mean)).average().orElse(0);
    String firstError = outcomes.stream().filter(o -> !o.ok()).map(Outcome::error).findFirst().orElse("");
    return new Summary(workload, policy, qps, outcomes.size(), outcomes.size() - ok.size(), pct(ttft, 50),
        pct(ttft, 90), pct(ttft, 99), pct(e2e, 90), pct(e2e, 99), pct(itl, 50),
        last > first ? tokens / (last - first) : 0, prefixHitRate, mean == 0 ? 0 : Math.sqrt(var) / mean,
        pct(picker, 50), pct(picker, 99), Double.NaN, Double.NaN, Double.NaN, Double.NaN, by, firstError);
  }

  /** This summary with the bounds of the picker's own histograms of this point's requests. */
  Summary withPickerSide(PickerHistogram scheduling, PickerHistogram added) {
    return new Summary(workload, policy, qps, requests, errors, ttftP50, ttftP90, ttftP99, e2eP90, e2eP99, itlP50,
        outputTokensPerSecond, prefixHitRate, loadSpread, pickerP50Micros, pickerP99Micros,
        scheduling.percentileUpperBoundMicros(50), scheduling.percentileUpperBoundMicros(99),
        added.percentileUpperBoundMicros(50), added.percentileUpperBoundMicros(99), requestsByEndpoint, firstError);
  }

  static double pct(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  static String header() {
    return String.format("%-18s %6s %5s %4s %9s %9s %9s %9s %9s %8s %9s %7s %9s %22s %18s",
        "policy", "qps", "reqs", "err", "ttft p50", "ttft p90", "ttft p99", "e2e p90", "e2e p99", "itl p50",
        "out tok/s", "prefix", "spread cv", "picker p50/p99 (real)", "picker-side p99");
  }

  String row() {
    return String.format(java.util.Locale.ROOT, "%-18s %6.2f %5d %4d %8.3fs %8.3fs %8.3fs %8.2fs %8.2fs %6.1fms %9.1f %6.1f%% %9.2f %22s %18s",
        policy, qps, requests, errors, ttftP50, ttftP90, ttftP99, e2eP90, e2eP99, itlP50 * 1000, outputTokensPerSecond,
        prefixHitRate * 100, loadSpread, pickerP99Micros > 0 ? String.format(java.util.Locale.ROOT, "%.0f/%.0f µs",
            pickerP50Micros, pickerP99Micros) : "-",
        Double.isNaN(addedP99BoundMicros) ? "-" : String.format(java.util.Locale.ROOT, "<= %.0f µs", addedP99BoundMicros));
  }

  @Override
  public String toString() {
    return row() + " " + Arrays.toString(requestsByEndpoint.values().toArray());
  }
}
