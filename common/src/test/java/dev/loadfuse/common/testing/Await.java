package dev.loadfuse.common.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Bounded polling for what a test waits on that happens asynchronously: the one way tests wait
 * (never a fixed sleep). A condition not reached within the limit fails the test with an {@link
 * AssertionError} naming what was awaited and, for {@link #value}, the last value seen.
 *
 * <p>The pause between checks starts at {@value #FIRST_PAUSE_MILLIS} ms and doubles up to
 * {@value #MAX_PAUSE_MILLIS} ms: quick conditions are seen at once, slow ones cost little CPU
 * on a shared two-core machine. The limit only bounds a broken test; it is never a timing
 * assertion, so it is generous.
 */
public final class Await {

  /** How long a condition may take before the test fails. */
  public static final Duration DEFAULT_LIMIT = Duration.ofSeconds(20);

  static final long FIRST_PAUSE_MILLIS = 1;
  static final long MAX_PAUSE_MILLIS = 20;

  private Await() {}

  /** Waits until {@code condition} holds, at most {@link #DEFAULT_LIMIT}. */
  public static void until(String what, BooleanSupplier condition) {
    until(what, DEFAULT_LIMIT, condition);
  }

  /** Waits until {@code condition} holds, at most {@code limit}. */
  public static void until(String what, Duration limit, BooleanSupplier condition) {
    value(what, limit, () -> condition.getAsBoolean(), ok -> ok);
  }

  /**
   * Reads {@code value} until {@code accept} takes it, at most {@link #DEFAULT_LIMIT}, and returns
   * the accepted value. An exception from {@code value} fails the wait at once.
   */
  public static <T> T value(String what, Callable<T> value, Predicate<? super T> accept) {
    return value(what, DEFAULT_LIMIT, value, accept);
  }

  /** Like {@link #value(String, Callable, Predicate)}, at most {@code limit}. */
  public static <T> T value(String what, Duration limit, Callable<T> value, Predicate<? super T> accept) {
    long deadline = System.nanoTime() + limit.toNanos();
    long pauseMillis = FIRST_PAUSE_MILLIS;
    while (true) {
      T last;
      try {
        last = value.call();
      } catch (Exception e) {
        throw new AssertionError("waiting for " + what + ": " + e, e);
      }
      if (accept.test(last)) {
        return last;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + limit + " waiting for " + what
            + (last instanceof Boolean ? "" : "; last value: " + last));
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(pauseMillis));
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted waiting for " + what);
      }
      pauseMillis = Math.min(MAX_PAUSE_MILLIS, pauseMillis * 2);
    }
  }
}
