package dev.loadfuse.picker.extproc;

import com.google.protobuf.ByteString;

/** A byte array that grows by doubling; the body of one stream. Not thread-safe. */
final class GrowableBytes {

  private static final byte[] EMPTY = new byte[0];

  private byte[] buf = EMPTY;
  private int length;

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

  /** Drops the first {@code n} bytes, keeping the rest (small carry-overs only). */
  void dropFirst(int n) {
    int rest = length - n;
    byte[] b = rest == 0 ? EMPTY : new byte[Math.max(rest, 256)];
    System.arraycopy(buf, n, b, 0, rest);
    buf = b;
    length = rest;
  }
}
