package dev.loadfuse.picker.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.logging.SimpleFormatter;

/** Maps the reference's {@code -v} verbosity onto java.util.logging levels of {@code dev.loadfuse}. */
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

  static void configure(int verbosity) {
    if (System.getProperty("java.util.logging.config.file") != null) {
      return; // the operator's logging config wins
    }
    Level level = level(verbosity);
    System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
    Logger root = Logger.getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    ConsoleHandler console = new ConsoleHandler();
    console.setLevel(Level.ALL);
    console.setFormatter(new SimpleFormatter());
    root.addHandler(console);
    root.setLevel(Level.WARNING);
    Logger.getLogger("dev.loadfuse").setLevel(level);
  }
}
