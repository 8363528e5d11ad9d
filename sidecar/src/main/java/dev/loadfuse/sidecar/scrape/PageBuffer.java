package dev.loadfuse.sidecar.scrape;

import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.streams.WriteStream;
import java.util.Arrays;

/**
 * Collects a response body into one reusable array, refusing bodies above a limit.
 *
 * <p>Reused across scrapes of one endpoint so that a steady 100 KB page costs no new array per
 * scrape. Used from one event-loop context only.
 */
final class PageBuffer implements WriteStream<Buffer> {

  /** Thrown into the response when the body passes the limit; stackless, it is routine. */
  static final class BodyTooLargeException extends RuntimeException {
    BodyTooLargeException(int limit) {
      super("page larger than the limit of " + limit + " bytes", null, false, false);
    }
  }

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

  @Override
  public Future<Void> write(Buffer data) {
    if (overflowed) {
      return Future.failedFuture(new BodyTooLargeException(limit));
    }
    int n = data.length();
    if ((long) length + n > limit) {
      overflowed = true;
      return Future.failedFuture(new BodyTooLargeException(limit));
    }
    if (length + n > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.min(limit, Math.max(length + n, bytes.length * 2)));
    }
    data.getBytes(0, n, bytes, length);
    length += n;
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> end() {
    return overflowed ? Future.failedFuture(new BodyTooLargeException(limit)) : Future.succeededFuture();
  }

  @Override
  public WriteStream<Buffer> exceptionHandler(Handler<Throwable> handler) {
    return this;
  }

  @Override
  public WriteStream<Buffer> setWriteQueueMaxSize(int maxSize) {
    return this;
  }

  @Override
  public boolean writeQueueFull() {
    return false;
  }

  @Override
  public WriteStream<Buffer> drainHandler(Handler<Void> handler) {
    return this;
  }
}
