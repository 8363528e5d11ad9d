package dev.loadfuse.sidecar.config;

import java.time.Duration;

/** Parses durations as users write them in flags and files: {@code 50ms}, {@code 1s}, {@code 2m}, {@code 250us}. */
public final class Durations {

  private Durations() {}

  /**
   * @param what the flag or path, quoted in the error
   * @throws IllegalArgumentException naming {@code what} and the text
   */
  public static Duration parse(String what, String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(what + ": missing duration (expected e.g. 50ms, 1s, 2m)");
    }
    String s = text.trim();
    int i = 0;
    while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
      i++;
    }
    String number = s.substring(0, i);
    String unit = s.substring(i).trim();
    double value;
    try {
      value = Double.parseDouble(number);
    } catch (NumberFormatException e) {
      throw bad(what, text);
    }
    double nanosPerUnit = switch (unit) {
      case "ns" -> 1;
      case "us", "µs" -> 1e3;
      case "ms" -> 1e6;
      case "s" -> 1e9;
      case "m" -> 60e9;
      case "h" -> 3600e9;
      default -> throw bad(what, text);
    };
    return Duration.ofNanos(Math.round(value * nanosPerUnit));
  }

  /** The shortest exact text for {@code d}, e.g. {@code 50ms}; the inverse of {@link #parse}. */
  public static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos % 1_000_000_000L == 0) {
      return nanos / 1_000_000_000L + "s";
    }
    if (nanos % 1_000_000L == 0) {
      return nanos / 1_000_000L + "ms";
    }
    if (nanos % 1_000L == 0) {
      return nanos / 1_000L + "us";
    }
    return nanos + "ns";
  }

  private static IllegalArgumentException bad(String what, String text) {
    return new IllegalArgumentException(
        what + ": invalid duration \"" + text + "\" (expected a number and a unit: ns, us, ms, s, m, h)");
  }
}
