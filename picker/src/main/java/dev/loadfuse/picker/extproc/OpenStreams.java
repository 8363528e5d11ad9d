package dev.loadfuse.picker.extproc;

import dev.loadfuse.picker.PickerException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The ext_proc streams open across all connections and event loops, against {@code
 * --max-open-streams}: a stream over it is refused at once. Thread-safe.
 */
public final class OpenStreams {

  private final int max;
  private final AtomicInteger open = new AtomicInteger();

  public OpenStreams(int max) {
    this.max = max;
  }

  /** Counts a new stream; false (and not counted) when {@code max} are open. */
  boolean tryOpen() {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      return false;
    }
    return true;
  }

  /** A counted stream ended. */
  void close() {
    open.decrementAndGet();
  }

  /** Streams open now. */
  public int open() {
    return open.get();
  }

  /** The answer to a stream over the limit: 503 naming the limit and its flag. */
  PickerException refusal() {
    return new PickerException(PickerException.Code.SERVICE_UNAVAILABLE, "ext_proc streams at the picker's limit of "
        + max + " open (--max-open-streams); retry later");
  }
}
