package dev.loadfuse.picker.request;

import com.google.protobuf.ByteString;

/** A byte array that grows by doubling: a body being buffered, or a chunk being rewritten. Not thread-safe. */
final class GrowableBytes {

  private static final byte[] EMPTY = new byte[0];

  private byte[] buf;
  private int length;

  GrowableBytes() {
    buf = EMPTY;
  }

  /** @param capacity the size of the first array (the expected length) */
  GrowableBytes(int capacity) {
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
      byte[] b = new byte[Math.max(needed, Math.min(Integer.MAX_VALUE - 8, Math.max(1024, buf.length * 2)))];
      System.arraycopy(buf, 0, b, 0, length);
      buf = b;
    }
  }

  byte[] array() {
    return buf;
  }

  int length() {
    return length;
  }

  /** Forgets the content; the old array is left to whoever still wraps it. */
  void reset() {
    buf = EMPTY;
    length = 0;
  }

  /** Empties it, keeping the array for reuse: only when nobody else holds the array. */
  void clear() {
    length = 0;
  }
}
