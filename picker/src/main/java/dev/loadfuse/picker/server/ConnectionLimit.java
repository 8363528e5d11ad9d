package dev.loadfuse.picker.server;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpConnection;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * The connections of the ext_proc port across its servers and event loops, against {@code
 * --max-connections}: a connection over it is closed as it opens (HTTP/2 GOAWAY), and the first of a
 * run of them logs a warning. Thread-safe.
 */
final class ConnectionLimit implements Handler<HttpConnection> {

  private static final Logger LOG = Logger.getLogger(ConnectionLimit.class.getName());

  private final int max;
  private final AtomicInteger open = new AtomicInteger();
  private volatile boolean warned;

  ConnectionLimit(int max) {
    this.max = max;
  }

  @Override
  public void handle(HttpConnection connection) {
    if (open.incrementAndGet() > max) {
      open.decrementAndGet();
      if (!warned) {
        warned = true;
        LOG.warning("ext_proc connection from " + connection.remoteAddress() + " closed: " + max
            + " connections open, the limit (--max-connections)");
      }
      connection.close();
      return;
    }
    connection.closeHandler(v -> {
      if (open.decrementAndGet() < max) {
        warned = false;
      }
    });
  }

  /** Connections open now. */
  int open() {
    return open.get();
  }
}
