package dev.loadfuse.engine.prometheus;

import java.util.List;
import java.util.Objects;

/**
 * Every sample of a page plus the parse diagnostics; see {@link PrometheusTextParser#parseAll}.
 */
public record ParsedPage(List<ParsedSample> samples, ParseDiagnostics diagnostics) {
  public ParsedPage {
    samples = List.copyOf(samples);
    Objects.requireNonNull(diagnostics, "diagnostics");
  }

  /** The samples named {@code name}, in page order. */
  public List<ParsedSample> named(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }
}
