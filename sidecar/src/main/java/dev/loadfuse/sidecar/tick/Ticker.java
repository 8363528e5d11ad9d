package dev.loadfuse.sidecar.tick;

import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Arrays;
import java.util.function.LongSupplier;

/**
 * One timer for all the periodic work of a sidecar: scrapes, their deadlines, GPU samples and the
 * publish heartbeat. Each wake-up runs every task that is due, then the timer is armed once for
 * the earliest next due time; nothing runs between due times.
 *
 * <p>Why: at this load much of the cost of the sidecar is how often its event loop wakes up
 * (benchmarks/README.md, "Sidecar footprint"). Tasks that keep their due times on a common grid
 * ({@link #gridCeil}) of {@link #resolutionNanos()} share wake-ups, and tasks with slack ({@link
 * Task#earliest()}) ride along on others' wake-ups.
 *
 * <p>Times are {@link System#nanoTime()} values. Threading: one Vert.x context; call every method
 * there (tasks run there too).
 */
public final class Ticker {

  /** Work on the ticker. */
  public interface Task {
    /** When this task must run at the latest; {@link Long#MAX_VALUE} when not at all for now. */
    long due();

    /**
     * From when this task may run: a task with some slack ({@code earliest() < due()}) runs on
     * the first wake-up after {@code earliest()}, so that it can share another task's wake-up;
     * the timer is armed for {@link #due()} only.
     */
    default long earliest() {
      return due();
    }

    /** Runs the task; called on a wake-up at or after {@link #earliest()} (within tolerance). */
    void tick(long now);
  }

  /** Tasks due this much after a wake-up run in it: Vert.x timers have a resolution of 1 ms. */
  static final long TOLERANCE_NANOS = 1_000_000;

  private final Vertx vertx;
  private final long resolutionNanos;
  private final LongSupplier clock;
  private final boolean manual;
  private final long origin;
  private Task[] tasks = new Task[0];
  private long timerId = -1;
  private long armedFor = Long.MAX_VALUE;
  private boolean firing;

  /**
   * @param resolution the grid spacing: how finely tasks can be phased
   */
  public Ticker(Vertx vertx, Duration resolution) {
    this(vertx, resolution, System::nanoTime, false);
  }

  /** For tests: {@code manual} arms no timer; the test calls {@link #fire()}. */
  public Ticker(Vertx vertx, Duration resolution, LongSupplier clock, boolean manual) {
    this.vertx = vertx;
    this.resolutionNanos = Math.max(1_000_000, resolution.toNanos());
    this.clock = clock;
    this.manual = manual;
    this.origin = clock.getAsLong();
  }

  public long now() {
    return clock.getAsLong();
  }

  public long resolutionNanos() {
    return resolutionNanos;
  }

  /** The first grid point at or after {@code t} (less the tolerance). */
  public long gridCeil(long t) {
    long offset = Math.floorMod(t - TOLERANCE_NANOS - origin, resolutionNanos);
    return offset == 0 ? t - TOLERANCE_NANOS : t - TOLERANCE_NANOS + (resolutionNanos - offset);
  }

  /** Position of {@code t} within a cycle of {@code cycleNanos}, counted from the grid's origin. */
  public long phaseOf(long t, long cycleNanos) {
    return Math.floorMod(t - origin, cycleNanos);
  }

  public void add(Task task) {
    Task[] a = Arrays.copyOf(tasks, tasks.length + 1);
    a[tasks.length] = task;
    tasks = a;
    wake(task.due());
  }

  public void remove(Task task) {
    Task[] a = tasks;
    for (int i = 0; i < a.length; i++) {
      if (a[i] == task) {
        Task[] b = new Task[a.length - 1];
        System.arraycopy(a, 0, b, 0, i);
        System.arraycopy(a, i + 1, b, i, a.length - i - 1);
        tasks = b;
        break;
      }
    }
    if (tasks.length == 0) {
      disarm();
    }
  }

  /** A task's due time moved to {@code due} outside a wake-up: arms the timer earlier if needed. */
  public void wake(long due) {
    if (firing || due == Long.MAX_VALUE) {
      return; // the wake-up in progress re-arms for the earliest due time when it ends
    }
    if (timerId < 0 || due < armedFor - TOLERANCE_NANOS) {
      arm(due);
    }
  }

  /** Stops the timer; tasks stay registered but nothing runs. */
  public void close() {
    tasks = new Task[0];
    disarm();
  }

  /** One wake-up: runs the due tasks, then arms the timer for the earliest next due time. */
  public void fire() {
    timerId = -1;
    armedFor = Long.MAX_VALUE;
    firing = true;
    try {
      long now = clock.getAsLong();
      for (Task t : tasks) {
        if (t.earliest() - now <= TOLERANCE_NANOS) {
          t.tick(now);
        }
      }
    } finally {
      firing = false;
    }
    long next = Long.MAX_VALUE;
    for (Task t : tasks) {
      next = Math.min(next, t.due());
    }
    if (next != Long.MAX_VALUE) {
      arm(next);
    }
  }

  /** When the timer is armed for (for tests); {@link Long#MAX_VALUE} when it is not. */
  public long armedFor() {
    return armedFor;
  }

  private void arm(long due) {
    disarm();
    armedFor = due;
    if (manual) {
      timerId = 0;
      return;
    }
    long delayNanos = due - clock.getAsLong();
    long delayMs = delayNanos <= 0 ? 1 : Math.max(1, (delayNanos + 999_999) / 1_000_000);
    timerId = vertx.setTimer(delayMs, id -> fire());
  }

  private void disarm() {
    if (timerId >= 0) {
      if (!manual) {
        vertx.cancelTimer(timerId);
      }
      timerId = -1;
      armedFor = Long.MAX_VALUE;
    }
  }
}
