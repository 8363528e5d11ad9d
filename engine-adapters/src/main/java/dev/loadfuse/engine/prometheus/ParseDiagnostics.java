package dev.loadfuse.engine.prometheus;

import java.util.Objects;
import java.util.Optional;

/**
 * What one pass over a metrics page saw.
 *
 * @param lineCount lines in the page (a final line without a newline counts; lines after an
 *     OpenMetrics {@code # EOF} do not)
 * @param sampleCount well-formed sample lines, wanted or not
 * @param skippedLines malformed lines that were skipped
 * @param firstError the first skipped line; present exactly when {@code skippedLines > 0}
 */
public record ParseDiagnostics(
    int lineCount, int sampleCount, int skippedLines, Optional<ParseError> firstError) {

  /** Diagnostics of an empty page. */
  public static final ParseDiagnostics EMPTY = new ParseDiagnostics(0, 0, 0, Optional.empty());

  public ParseDiagnostics {
    if (lineCount < 0) {
      throw new IllegalArgumentException("lineCount: " + lineCount + " (expected: >= 0)");
    }
    if (sampleCount < 0 || sampleCount > lineCount) {
      throw new IllegalArgumentException(
          "sampleCount: " + sampleCount + " (expected: [0, " + lineCount + "])");
    }
    if (skippedLines < 0 || skippedLines > lineCount) {
      throw new IllegalArgumentException(
          "skippedLines: " + skippedLines + " (expected: [0, " + lineCount + "])");
    }
    Objects.requireNonNull(firstError, "firstError");
    if (firstError.isPresent() != (skippedLines > 0)) {
      throw new IllegalArgumentException(
          "firstError: " + firstError.map(String::valueOf).orElse("absent")
              + " (expected: present exactly when skippedLines > 0, skippedLines is "
              + skippedLines + ")");
    }
  }
}
