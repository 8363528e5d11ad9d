package dev.loadfuse.common.errors;

import java.util.Locale;

/**
 * A fixed, low-cardinality vocabulary of failure reasons (an enum) whose metric label, {@code
 * reason="..."}, is the constant's name in lower case: {@code HTTP_STATUS} is {@code http_status}.
 */
public interface ReasonLabel {

  /** The constant's name (an enum's own {@code name()}). */
  String name();

  /** The value of the metric's {@code reason} label. */
  default String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
