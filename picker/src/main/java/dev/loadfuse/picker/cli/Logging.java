package dev.loadfuse.picker.cli;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.logging.ConsoleHandler;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Maps the reference's {@code -v} verbosity and {@code --zap-*} flags onto java.util.logging of {@code dev.loadfuse}. */
final class Logging {

  private Logging() {}

  static Level level(int verbosity) {
    if (verbosity <= 0) {
      return Level.WARNING;
    }
    if (verbosity <= 2) {
      return Level.INFO;
    }
    if (verbosity <= 4) {
      return Level.FINE;
    }
    return Level.FINEST;
  }

  static void configure(LogSettings settings) {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return; // the operator's logging config wins
    }
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler console = new ConsoleHandler();
    console.setLevel(Level.ALL);
    console.setFormatter(new LineFormatter(settings));
    root.addHandler(console);
    root.setLevel(Level.WARNING);
    Logger.getLogger("dev.loadfuse").setLevel(settings.level());
  }

  /** One line a record: text ({@code 2026-01-02T03:04:05.678 INFO logger: message}) or a JSON object. */
  static final class LineFormatter extends Formatter {
    private final LogSettings settings;

    LineFormatter(LogSettings settings) {
      this.settings = settings;
    }

    @Override
    public String format(LogRecord r) {
      String msg = formatMessage(r);
      Throwable thrown = r.getThrown();
      boolean stack = thrown != null && (settings.stacktraceLevel() == null
          || r.getLevel().intValue() >= settings.stacktraceLevel().intValue());
      String time = time(r.getInstant());
      if (!settings.json()) {
        StringBuilder b = new StringBuilder().append(time).append(' ').append(r.getLevel().getName()).append(' ')
            .append(r.getLoggerName()).append(": ").append(msg);
        if (thrown != null) {
          b.append(stack ? System.lineSeparator() + stackTrace(thrown) : " (" + thrown + ")");
        }
        return b.append(System.lineSeparator()).toString();
      }
      StringBuilder b = new StringBuilder("{\"level\":\"").append(levelName(r.getLevel())).append("\",\"ts\":");
      if (time.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
        b.append(time);
      } else {
        b.append('"').append(time).append('"');
      }
      b.append(",\"logger\":\"").append(escape(r.getLoggerName())).append("\",\"msg\":\"").append(escape(msg)).append('"');
      if (thrown != null) {
        b.append(",\"error\":\"").append(escape(thrown.toString())).append('"');
        if (stack) {
          b.append(",\"stacktrace\":\"").append(escape(stackTrace(thrown))).append('"');
        }
      }
      return b.append('}').append(System.lineSeparator()).toString();
    }

    String time(Instant t) {
      String encoding = settings.timeEncoding() != null ? settings.timeEncoding() : settings.json() ? "epoch" : "iso8601";
      return switch (encoding) {
        case "epoch" -> String.format(java.util.Locale.ROOT, "%d.%09d", t.getEpochSecond(), t.getNano());
        case "millis" -> String.format(java.util.Locale.ROOT, "%d.%06d", t.toEpochMilli(), t.getNano() % 1_000_000);
        case "nanos" -> Long.toString(t.getEpochSecond() * 1_000_000_000L + t.getNano());
        case "rfc3339" -> DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.truncatedTo(ChronoUnit.SECONDS).atOffset(ZoneOffset.UTC));
        case "rfc3339nano" -> DateTimeFormatter.ISO_OFFSET_DATE_TIME.format(t.atOffset(ZoneOffset.UTC));
        default -> DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXX").format(t.atOffset(ZoneOffset.UTC));
      };
    }

    private static String levelName(Level l) {
      int v = l.intValue();
      return v >= Level.SEVERE.intValue() ? "error" : v >= Level.WARNING.intValue() ? "warn"
          : v >= Level.INFO.intValue() ? "info" : v >= Level.FINE.intValue() ? "debug" : "trace";
    }

    private static String escape(String s) {
      return s == null ? "" : new String(JsonStringEncoder.getInstance().quoteAsString(s));
    }

    private static String stackTrace(Throwable t) {
      StringWriter w = new StringWriter();
      t.printStackTrace(new PrintWriter(w));
      return w.toString().stripTrailing();
    }
  }
}
