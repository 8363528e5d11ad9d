package dev.loadfuse.sidecar.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGTERM and SIGINT into a stop request instead of a JVM shutdown, for the lifetime of one
 * {@code run}.
 *
 * <p>Why not only a shutdown hook: the JVM halts (with exit status 143) as soon as its hooks
 * return, so a hook that merely asks the main thread to stop lets the JVM die in the middle of
 * closing Vert.x (scrapers, NVML, the cluster membership), and the process never exits with 0. With
 * a signal handler the main thread closes everything, returns 0 and only then exits.
 *
 * <p>A shutdown hook remains for the other ways the JVM can end (another signal such as SIGHUP, or
 * a JVM started with {@code -Xrs}, where these signals cannot be handled): it requests the stop and
 * waits, at most {@link #HOOK_WAIT_SECONDS} s, until {@code closed} is counted down.
 *
 * <p>{@link #close()} restores the previous handlers, so that in-process tests leave the JVM as
 * they found it.
 */
final class StopSignals implements AutoCloseable {

  static final long HOOK_WAIT_SECONDS = 30;

  private final List<Signal> signals = new ArrayList<>();
  private final List<SignalHandler> previous = new ArrayList<>();
  private final Thread hook;

  private StopSignals(Runnable stop, CountDownLatch closed) {
    for (String name : List.of("TERM", "INT")) {
      try {
        Signal signal = new Signal(name);
        previous.add(Signal.handle(signal, s -> stop.run()));
        signals.add(signal);
      } catch (IllegalArgumentException | UnsupportedOperationException unavailable) {
        // -Xrs, or a platform without this signal: the shutdown hook below still stops us
      }
    }
    hook = new Thread(() -> {
      stop.run();
      try {
        closed.await(HOOK_WAIT_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "loadfuse-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
  }

  /**
   * Installs the handlers and the hook.
   *
   * @param stop asks the command to stop (called from a signal or hook thread)
   * @param closed counted down once everything is closed; the hook waits for it
   */
  static StopSignals install(Runnable stop, CountDownLatch closed) {
    return new StopSignals(stop, closed);
  }

  @Override
  public void close() {
    for (int i = 0; i < signals.size(); i++) {
      Signal.handle(signals.get(i), previous.get(i));
    }
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run: nothing to undo
    }
  }
}
