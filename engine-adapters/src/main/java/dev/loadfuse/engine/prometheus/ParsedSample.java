package dev.loadfuse.engine.prometheus;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;

/**
 * One sample, fully materialised by {@link PrometheusTextParser#parseAll}. For tools and tests;
 * the scrape path uses {@link SampleView} instead.
 *
 * @param line 1-based line number
 * @param name metric name
 * @param labels labels in page order, values unescaped
 * @param value the value as written (NaN and +-Inf included)
 * @param timestamp the timestamp as written, if the line has one
 * @param declaredType the type a preceding TYPE line declared for this name
 */
public record ParsedSample(
    int line,
    String name,
    Map<String, String> labels,
    double value,
    OptionalDouble timestamp,
    MetricType declaredType) {
  public ParsedSample {
    Objects.requireNonNull(name, "name");
    labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    Objects.requireNonNull(timestamp, "timestamp");
    Objects.requireNonNull(declaredType, "declaredType");
  }
}
