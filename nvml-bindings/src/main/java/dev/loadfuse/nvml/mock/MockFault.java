package dev.loadfuse.nvml.mock;

import java.util.OptionalDouble;

/** A fault injected into one mock GPU. */
public sealed interface MockFault {

  /** The GPU reads as lost from sample {@code afterSamples + 1} on (0: from the first). */
  record LostAfterSamples(long afterSamples) implements MockFault {}

  /** The GPU reads as lost from {@code atSeconds} after the probe opened. */
  record LostAt(double atSeconds) implements MockFault {}

  /**
   * The clocks-event bits {@code reasonBits} are added from {@code fromSeconds} until
   * {@code untilSeconds} (exclusive; empty: for ever).
   */
  record Throttle(long reasonBits, double fromSeconds, OptionalDouble untilSeconds) implements MockFault {
    boolean activeAt(double seconds) {
      return seconds >= fromSeconds && (untilSeconds.isEmpty() || seconds < untilSeconds.getAsDouble());
    }
  }
}
