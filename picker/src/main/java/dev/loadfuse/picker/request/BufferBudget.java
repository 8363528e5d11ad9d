package dev.loadfuse.picker.request;

import dev.loadfuse.common.settings.ByteSizes;
import dev.loadfuse.picker.PickerException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes of bodies buffered across all ext_proc streams, against one limit ({@code
 * --max-buffered-bytes}): messages still in the gRPC decoder, request bodies being assembled or
 * waiting to be routed, response bodies held to be read. Each stream holds an {@link Account};
 * what it reserved goes back when it releases it (routed, response done, failed, ended, broken).
 *
 * <p>Thread-safe; an account is confined to its stream's thread.
 */
public final class BufferBudget {

  /** No limit and no counting: for stages used on their own (tests, tools). */
  public static final BufferBudget UNLIMITED = new BufferBudget(Long.MAX_VALUE, "");

  private final long limit;
  private final String flag;
  private final AtomicLong used = new AtomicLong();

  /**
   * @param limit bytes that may be held at once
   * @param flag the setting that sets it, named in the refusal (e.g. {@code --max-buffered-bytes})
   */
  public BufferBudget(long limit, String flag) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
    }
    this.limit = limit;
    this.flag = flag;
  }

  /** Bytes held now, by every account together. */
  public long used() {
    return used.get();
  }

  public long limit() {
    return limit;
  }

  /** A new account, holding nothing. */
  public Account account() {
    return new Account();
  }

  private boolean take(long n) {
    if (this == UNLIMITED) {
      return true;
    }
    if (used.addAndGet(n) > limit) {
      used.addAndGet(-n);
      return false;
    }
    return true;
  }

  private void give(long n) {
    if (this != UNLIMITED) {
      used.addAndGet(-n);
    }
  }

  /** What one stream holds of the budget. Not thread-safe. */
  public final class Account {

    private long held;

    private Account() {}

    /**
     * Takes {@code n} more bytes.
     *
     * @throws PickerException {@code ServiceUnavailable} (503) naming the limit and its flag when
     *     the budget has not that much left
     */
    public void reserve(long n) {
      if (n <= 0) {
        return;
      }
      if (!take(n)) {
        throw new PickerException(PickerException.Code.SERVICE_UNAVAILABLE, "buffered bodies at the picker's limit of "
            + ByteSizes.format(limit) + " (" + flag + "); " + n + " more bytes refused, retry later");
      }
      held += n;
    }

    /** Gives back {@code n} bytes (at most what is held). */
    public void release(long n) {
      long r = Math.min(n, held);
      if (r > 0) {
        held -= r;
        give(r);
      }
    }

    /** Gives back everything held; idempotent. */
    public void releaseAll() {
      release(held);
    }

    public long held() {
      return held;
    }
  }
}
