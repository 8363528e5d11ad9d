package dev.loadfuse.engine.prometheus;

import java.util.Objects;

/**
 * Why a line of a metrics page was skipped.
 *
 * @param line 1-based line number within the parsed slice
 * @param reason what was wrong, with an excerpt of the line
 */
public record ParseError(int line, String reason) {
  public ParseError {
    if (line < 1) {
      throw new IllegalArgumentException("line: " + line + " (expected: >= 1)");
    }
    Objects.requireNonNull(reason, "reason");
    if (reason.isBlank()) {
      throw new IllegalArgumentException("reason: \"\" (expected: non-blank)");
    }
  }

  @Override
  public String toString() {
    return "line " + line + ": " + reason;
  }
}
