package dev.loadfuse.engine.prometheus;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.Objects;

/**
 * A growable byte buffer that reads a whole metrics page from a stream, stopping as soon as the
 * page exceeds the limit, so an oversized or endless body never fills memory.
 *
 * <p>Keep one per endpoint and reuse it: the array only grows, so steady-state scrapes allocate
 * nothing here. Not thread-safe.
 */
public final class PageBuffer {
  private final int maxPageBytes;
  private byte[] bytes;
  private int length;

  /** A buffer for pages up to {@code maxPageBytes}. */
  public PageBuffer(int maxPageBytes) {
    if (maxPageBytes < 1) {
      throw new IllegalArgumentException("maxPageBytes: " + maxPageBytes + " (expected: >= 1)");
    }
    this.maxPageBytes = maxPageBytes;
    this.bytes = new byte[Math.min(maxPageBytes, 64 * 1024)];
  }

  /** A buffer with the {@linkplain PrometheusTextParser#DEFAULT_MAX_PAGE_BYTES default limit}. */
  public PageBuffer() {
    this(PrometheusTextParser.DEFAULT_MAX_PAGE_BYTES);
  }

  /**
   * Replaces the content with everything {@code in} yields until end of stream. Does not close
   * the stream.
   *
   * @return the page length
   * @throws PageTooLargeException once more than {@code maxPageBytes} bytes have arrived
   */
  public int readFrom(InputStream in) throws IOException {
    Objects.requireNonNull(in, "in");
    length = 0;
    while (true) {
      if (length == bytes.length) {
        if (length > maxPageBytes) {
          throw new PageTooLargeException(-1, maxPageBytes);
        }
        // One byte more than the limit tells "exactly the limit" from "too large".
        int grown = (int) Math.min((long) maxPageBytes + 1, Math.max(1024L, 2L * bytes.length));
        bytes = Arrays.copyOf(bytes, grown);
      }
      int n = in.read(bytes, length, bytes.length - length);
      if (n < 0) {
        break;
      }
      length += n;
    }
    if (length > maxPageBytes) {
      throw new PageTooLargeException(-1, maxPageBytes);
    }
    return length;
  }

  /** The backing array; the page is {@code array()[0, length())}. */
  public byte[] array() {
    return bytes;
  }

  public int length() {
    return length;
  }

  public int maxPageBytes() {
    return maxPageBytes;
  }
}
