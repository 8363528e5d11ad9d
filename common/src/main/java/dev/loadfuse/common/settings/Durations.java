package dev.loadfuse.common.settings;

import java.time.Duration;

/**
 * Durations as users write them in flags and files: a number and a unit, {@code 250us}, {@code
 * 50ms}, {@code 1.5s}, {@code 2m}, {@code 1h}. {@link #format} writes the shortest exact text back.
 */
public final class Durations {

  /** What a duration looks like, for {@code (expected: ...)} in messages. */
  public static final String EXPECTED = "a number and a unit: ns, us, ms, s, m or h, e.g. 50ms";

  private Durations() {}

  /**
   * @param what the flag or path, named in the error
   * @throws IllegalArgumentException {@code what: "fast" (expected: a number and a unit: ...)}
   */
  public static Duration parse(String what, String text) {
    if (text == null || text.isBlank()) {
      throw bad(what, text);
    }
    String s = text.trim();
    if (s.equals("0")) {
      return Duration.ZERO; // Go's time.ParseDuration takes a bare 0 too
    }
    // One or more number-unit parts, as Go writes them: 1m30s, 1h2m3.5s.
    long nanos = 0;
    int i = 0;
    while (i < s.length()) {
      int start = i;
      while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
        i++;
      }
      String number = s.substring(start, i);
      int unitStart = i;
      while (i < s.length() && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
        i++;
      }
      String unit = s.substring(unitStart, i).trim();
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
      double part = value * nanosPerUnit;
      if (part > Long.MAX_VALUE - nanos) {
        throw bad(what, text);
      }
      nanos += Math.round(part);
    }
    return Duration.ofNanos(nanos);
  }

  /** The shortest exact text for {@code d}, e.g. {@code 50ms}; the inverse of {@link #parse}. */
  public static String format(Duration d) {
    long nanos = d.toNanos();
    if (nanos % 1_000_000_000L == 0) {
      long s = nanos / 1_000_000_000L;
      return s != 0 && s % 3600 == 0 ? s / 3600 + "h" : s != 0 && s % 60 == 0 ? s / 60 + "m" : s + "s";
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
    String shown = text == null ? "nothing" : SettingsNode.quote(text);
    return new IllegalArgumentException((what == null || what.isEmpty() ? "" : what + ": ") + shown
        + " (expected: " + EXPECTED + ")");
  }
}
