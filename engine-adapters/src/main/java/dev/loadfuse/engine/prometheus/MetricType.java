package dev.loadfuse.engine.prometheus;

/**
 * The type a {@code # TYPE} line declares for a metric family.
 *
 * <p>Families without a TYPE line (fragments, bare samples) are {@link #UNTYPED}. The OpenMetrics
 * types are accepted so that OpenMetrics text parses; {@code unknown} maps to {@link #UNTYPED}.
 */
public enum MetricType {
  COUNTER,
  GAUGE,
  HISTOGRAM,
  SUMMARY,
  UNTYPED,
  GAUGE_HISTOGRAM,
  STATESET,
  INFO;

  /**
   * Whether a sample named exactly like a family of this type is one scalar per series. False for
   * summaries (whose family-named samples are quantiles) and histograms, so a load spec never
   * reads a quantile as a gauge.
   */
  public boolean isScalar() {
    return this != HISTOGRAM && this != SUMMARY && this != GAUGE_HISTOGRAM;
  }
}
