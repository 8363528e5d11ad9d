package dev.loadfuse.sidecar.scrape;

import io.vertx.core.buffer.Buffer;
import java.util.Arrays;

/**
 * Collects a response body into one reusable array, refusing bodies above a limit.
 *
 * <p>Reused across scrapes of one endpoint so that a steady 100 KB page costs no new array per
 * scrape. Used from one event-loop context only.
 */
final class PageBuffer {

  private byte[] bytes = new byte[64 * 1024];
  private int length;
  private int limit;
  private boolean overflowed;

  void reset(int limit) {
    this.limit = limit;
    this.length = 0;
    this.overflowed = false;
  }

  byte[] bytes() {
    return bytes;
  }

  int length() {
    return length;
  }

  boolean overflowed() {
    return overflowed;
  }

  /**
   * Makes room for a body of {@code expected} bytes (a Content-Length); false, and overflowed,
   * when that is above the limit.
   */
  boolean expect(long expected) {
    if (expected > limit) {
      overflowed = true;
      return false;
    }
    grow((int) expected);
    return true;
  }

  /** Appends {@code data}; false, and overflowed, when the body would pass the limit. */
  boolean append(Buffer data) {
    if (overflowed) {
      return false;
    }
    int n = data.length();
    if ((long) length + n > limit) {
      overflowed = true;
      return false;
    }
    grow(length + n);
    data.getBytes(0, n, bytes, length);
    length += n;
    return true;
  }

  private void grow(int needed) {
    if (needed > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(needed, bytes.length * 2)));
    }
  }
}
