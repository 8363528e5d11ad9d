package dev.loadfuse.benchmarks.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One of the picker's Prometheus histograms as it exports it: cumulative bucket counts ({@code le}
 * bounds in seconds, ascending, the last +Inf).
 */
public record PickerHistogram(double[] upperBoundsSeconds, long[] cumulativeCounts) {

  /** The picker's own time per scheduling decision. */
  public static final String SCHEDULER_E2E = "inference_extension_scheduler_e2e_duration_seconds";
  /** The picker's hold of each routed request, from the message that completed it to its answer. */
  public static final String ADDED_LATENCY = "loadfuse_picker_added_latency_seconds";

  /** Histogram {@code name} (without labels) of a {@code /metrics} page. */
  public static PickerHistogram parse(String exposition, String name) {
    Pattern bucket = Pattern.compile("^" + Pattern.quote(name) + "_bucket\\{le=\"([^\"]+)\"[^}]*\\} ([0-9.eE+]+)$");
    List<Double> bounds = new ArrayList<>();
    List<Double> counts = new ArrayList<>();
    for (String line : exposition.split("\n")) {
      Matcher m = bucket.matcher(line);
      if (m.matches()) {
        bounds.add(m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1)));
        counts.add(Double.parseDouble(m.group(2)));
      }
    }
    if (bounds.isEmpty()) {
      throw new IllegalStateException("the picker's /metrics has no " + name + " buckets");
    }
    return new PickerHistogram(bounds.stream().mapToDouble(Double::doubleValue).toArray(),
        counts.stream().mapToLong(Double::longValue).toArray());
  }

  /** The observations made since {@code earlier}. */
  public PickerHistogram minus(PickerHistogram earlier) {
    long[] c = cumulativeCounts.clone();
    for (int i = 0; i < c.length; i++) {
      c[i] -= earlier.cumulativeCounts[i];
    }
    return new PickerHistogram(upperBoundsSeconds, c);
  }

  public long count() {
    return cumulativeCounts[cumulativeCounts.length - 1];
  }

  /**
   * The upper bound of the bucket holding the {@code p}-th percentile, in microseconds (a bound,
   * not an interpolation: "p99 &lt;= 200 µs"); NaN without observations.
   */
  public double percentileUpperBoundMicros(double p) {
    long n = count();
    if (n == 0) {
      return Double.NaN;
    }
    long rank = (long) Math.ceil(p / 100.0 * n);
    for (int i = 0; i < cumulativeCounts.length; i++) {
      if (cumulativeCounts[i] >= rank) {
        return upperBoundsSeconds[i] * 1e6;
      }
    }
    return Double.POSITIVE_INFINITY;
  }
}
