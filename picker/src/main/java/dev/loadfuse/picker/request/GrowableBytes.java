package dev.loadfuse.picker.request;

import com.google.protobuf.ByteString;
import dev.loadfuse.picker.PickerException;

/**
 * A byte array that grows by doubling: a body being buffered, or a chunk being rewritten. A body
 * buffer counts its capacity against a {@link BufferBudget.Account} and never grows past its
 * {@code maxCapacity} (the body limit), so a body just under the limit holds an array of about its
 * size, not twice. Not thread-safe.
 */
final class GrowableBytes {

  private static final byte[] EMPTY = new byte[0];
  private static final int MAX_ARRAY = Integer.MAX_VALUE - 8;

  private final BufferBudget.Account account; // null: not counted
  private final int maxCapacity;
  private byte[] buf;
  private int length;

  GrowableBytes() {
    this(null, MAX_ARRAY);
  }

  /**
   * A body buffer.
   *
   * @param account where its capacity is counted
   * @param maxCapacity the largest array it grows to by doubling (a larger need is met exactly)
   */
  GrowableBytes(BufferBudget.Account account, int maxCapacity) {
    this.account = account;
    this.maxCapacity = maxCapacity;
    buf = EMPTY;
  }

  /** @param capacity the size of the first array (the expected length) */
  GrowableBytes(int capacity) {
    this.account = null;
    this.maxCapacity = MAX_ARRAY;
    buf = capacity == 0 ? EMPTY : new byte[capacity];
  }

  void append(ByteString chunk) {
    int n = chunk.size();
    ensure(length + n);
    chunk.copyTo(buf, length);
    length += n;
  }

  void append(byte[] bytes, int offset, int n) {
    ensure(length + n);
    System.arraycopy(bytes, offset, buf, length, n);
    length += n;
  }

  /** Replaces {@code [from, to)} with {@code bytes}, moving what follows. */
  void replace(int from, int to, byte[] bytes) {
    int tail = length - to;
    int newLength = length - (to - from) + bytes.length;
    ensure(newLength);
    System.arraycopy(buf, to, buf, from + bytes.length, tail);
    System.arraycopy(bytes, 0, buf, from, bytes.length);
    length = newLength;
  }

  private void ensure(int needed) {
    if (needed > buf.length) {
      int capacity = Math.max(needed, (int) Math.min(maxCapacity, Math.max(1024L, buf.length * 2L)));
      if (account != null) {
        capacity = reserve(capacity, needed);
      }
      byte[] b = new byte[capacity];
      System.arraycopy(buf, 0, b, 0, length);
      buf = b;
    }
  }

  /**
   * Reserves room to grow to {@code capacity}, else to just {@code needed} (near the budget's end);
   * returns the capacity reserved. Refused: nothing allocated, the content unchanged.
   */
  private int reserve(int capacity, int needed) {
    try {
      account.reserve(capacity - buf.length);
      return capacity;
    } catch (PickerException overBudget) {
      if (capacity == needed) {
        throw overBudget;
      }
      account.reserve(needed - buf.length);
      return needed;
    }
  }

  byte[] array() {
    return buf;
  }

  int length() {
    return length;
  }

  /**
   * Forgets the content; the old array is left to whoever still wraps it (an answer about to be
   * sent), and its capacity is given back to the account.
   */
  void reset() {
    if (account != null) {
      account.release(buf.length);
    }
    handOver();
  }

  /**
   * Forgets the content, leaving the array and its capacity counted in the account to whoever
   * holds it now (a request waiting to be routed); the account's owner releases it.
   */
  void handOver() {
    buf = EMPTY;
    length = 0;
  }

  /** Empties it, keeping the array for reuse: only when nobody else holds the array. */
  void clear() {
    length = 0;
  }
}
