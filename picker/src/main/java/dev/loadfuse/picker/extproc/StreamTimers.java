package dev.loadfuse.picker.extproc;

import io.vertx.core.Vertx;
import java.util.concurrent.TimeUnit;

/**
 * The clock and the one-shot timers of a stream's {@link RequestDeadline}: Vert.x's, firing on the
 * event loop that schedules them (the stream's), or a test's, moved by hand.
 */
interface StreamTimers {

  /** Never fires: a stream without deadlines. */
  StreamTimers NONE = new StreamTimers() {
    @Override
    public long nowNanos() {
      return System.nanoTime();
    }

    @Override
    public long schedule(long delayNanos, Runnable task) {
      return 0;
    }

    @Override
    public void cancel(long id) {}
  };

  long nowNanos();

  /** Runs {@code task} once, {@code delayNanos} from now, on the caller's event loop; returns its id. */
  long schedule(long delayNanos, Runnable task);

  void cancel(long id);

  /** Vert.x timers (at least 1 ms) on the caller's context. */
  static StreamTimers of(Vertx vertx) {
    return new StreamTimers() {
      @Override
      public long nowNanos() {
        return System.nanoTime();
      }

      @Override
      public long schedule(long delayNanos, Runnable task) {
        long millis = Math.max(1, TimeUnit.NANOSECONDS.toMillis(delayNanos + 999_999));
        return vertx.setTimer(millis, id -> task.run());
      }

      @Override
      public void cancel(long id) {
        vertx.cancelTimer(id);
      }
    };
  }
}
