package dev.loadfuse.picker.extproc;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.request.BufferBudget;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.internal.http.HttpServerRequestInternal;
import io.vertx.core.internal.http.HttpServerRequestWrapper;
import java.util.function.Consumer;

/**
 * The bytes of a stream's gRPC message that the Vert.x decoder is still accumulating, counted in the
 * {@link BufferBudget} before they reach it: the decoder holds a whole message (up to the gRPC max
 * message size; in BUFFERED mode a whole body) before any stage sees it, so the budget must see
 * the bytes as they arrive. It follows the gRPC framing (a 5-byte prefix with the length, then the
 * message) on the HTTP/2 data: bytes of a message not yet complete are reserved; a message's bytes
 * go back once it is complete (decoded and handed to the stream, which counts its own copy).
 *
 * <p>When the budget is spent the stream is refused (503) through {@code refused}, and its further
 * data is dropped before the decoder. Confined to the stream's event loop.
 */
final class DecoderBytes {

  private final BufferBudget.Account account;
  private Consumer<PickerException> refused = e -> {};
  private final byte[] prefix = new byte[5];
  private int prefixRead;
  private long messageLength;
  private long messageRead;
  private long completed; // bytes of messages completed in the data being handled
  private boolean stopped;

  DecoderBytes(BufferBudget budget) {
    this.account = budget.account();
  }

  /** Where a refusal goes (the stream, once it exists). */
  void onRefused(Consumer<PickerException> refused) {
    this.refused = refused;
  }

  /** The stream is over: gives everything back, drops what still comes. */
  void stop() {
    stopped = true;
    account.releaseAll();
  }

  /** Bytes reserved now (tests). */
  long held() {
    return account.held();
  }

  /** The request, its data counted on the way to the decoder. */
  HttpServerRequest wrap(HttpServerRequest request) {
    return new HttpServerRequestWrapper((HttpServerRequestInternal) request) {
      @Override
      public HttpServerRequest handler(Handler<Buffer> handler) {
        return super.handler(handler == null ? null : data -> {
          if (admit(data)) {
            handler.handle(data);
            done();
          }
        });
      }
    };
  }

  /** Counts {@code data}; false when it must not reach the decoder. */
  boolean admit(Buffer data) {
    if (stopped) {
      return false;
    }
    long added = 0;
    int n = data.length();
    int pos = 0;
    while (pos < n) {
      if (prefixRead < 5) {
        prefix[prefixRead++] = data.getByte(pos++);
        if (prefixRead == 5) {
          messageLength = ((prefix[1] & 0xffL) << 24) | ((prefix[2] & 0xff) << 16) | ((prefix[3] & 0xff) << 8)
              | (prefix[4] & 0xff);
          messageRead = 0;
          if (messageLength == 0) {
            prefixRead = 0;
          }
        }
        continue;
      }
      int take = (int) Math.min(n - pos, messageLength - messageRead);
      messageRead += take;
      added += take;
      pos += take;
      if (messageRead == messageLength) {
        completed += messageLength;
        prefixRead = 0;
      }
    }
    try {
      account.reserve(added);
      return true;
    } catch (PickerException overBudget) {
      stop();
      refused.accept(overBudget);
      return false;
    }
  }

  /** The decoder has had the data: messages completed in it are the stream's now. */
  void done() {
    account.release(completed);
    completed = 0;
  }
}
