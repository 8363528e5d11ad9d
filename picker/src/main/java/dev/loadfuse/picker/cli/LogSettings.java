package dev.loadfuse.picker.cli;

import java.util.List;
import java.util.Locale;
import java.util.logging.Level;

/**
 * How {@code picker.jar} logs, from the reference's logging flags: {@code -v} and the {@code
 * --zap-*} flags of controller-runtime, mapped onto java.util.logging. {@code --zap-log-level}
 * wins over {@code -v}; {@code --zap-encoder json} writes one JSON object a line.
 *
 * @param level the level of {@code dev.loadfuse} loggers
 * @param json one JSON object a line ({@code level}, {@code ts}, {@code logger}, {@code msg},
 *     {@code error}, {@code stacktrace}) instead of text
 * @param stacktraceLevel records at this level or above print their exception's stack trace;
 *     null for every record with an exception
 * @param timeEncoding one of {@link #TIME_ENCODINGS}; null for the format's default (text:
 *     ISO 8601, JSON: epoch seconds, as zap's production encoder)
 */
record LogSettings(Level level, boolean json, Level stacktraceLevel, String timeEncoding) {

  /** The reference's default verbosity. */
  static final int DEFAULT_VERBOSITY = 2;
  static final List<String> TIME_ENCODINGS = List.of("epoch", "millis", "nanos", "iso8601", "rfc3339", "rfc3339nano");

  /**
   * @throws IllegalArgumentException naming the flag and the value, as {@code --zap-encoder: "xml"
   *     (expected: json or console)}
   */
  static LogSettings of(int verbosity, String zapLogLevel, String zapEncoder, String zapStacktraceLevel,
      String zapTimeEncoding) {
    Level level = zapLogLevel == null ? Logging.level(verbosity) : zapLevel(zapLogLevel);
    boolean json = false;
    if (zapEncoder != null) {
      json = switch (zapEncoder.toLowerCase(Locale.ROOT)) {
        case "json" -> true;
        case "console" -> false;
        default -> throw bad("--zap-encoder", zapEncoder, "json or console");
      };
    }
    Level stack = null;
    if (zapStacktraceLevel != null) {
      stack = switch (zapStacktraceLevel) {
        case "info" -> Level.INFO;
        case "error", "panic" -> Level.SEVERE;
        default -> throw bad("--zap-stacktrace-level", zapStacktraceLevel, "info, error or panic");
      };
    }
    if (zapTimeEncoding != null && !TIME_ENCODINGS.contains(zapTimeEncoding)) {
      throw bad("--zap-time-encoding", zapTimeEncoding, "epoch, millis, nanos, iso8601, rfc3339 or rfc3339nano");
    }
    return new LogSettings(level, json, stack, zapTimeEncoding);
  }

  private static Level zapLevel(String text) {
    switch (text) {
      case "debug":
        return Level.FINE;
      case "info":
        return Level.INFO;
      case "error":
      case "panic":
        return Level.SEVERE;
      default:
        break;
    }
    try {
      int v = Integer.parseInt(text);
      if (v > 0) {
        return Logging.level(v);
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw bad("--zap-log-level", text, "debug, info, error, panic or an integer > 0");
  }

  private static IllegalArgumentException bad(String flag, String value, String expected) {
    return new IllegalArgumentException(flag + ": \"" + value + "\" (expected: " + expected + ")");
  }
}
