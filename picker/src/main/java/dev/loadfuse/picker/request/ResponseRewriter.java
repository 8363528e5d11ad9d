package dev.loadfuse.picker.request;

import com.google.protobuf.ByteOutput;
import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.openai.RequestBody;
import dev.loadfuse.picker.openai.ResponseJson;
import dev.loadfuse.picker.openai.Usage;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The last stage of the request path: the model server's response headers and body in, the body
 * to send on out, with the token usage read on the way and, when the request's model was
 * rewritten, the client's model name put back.
 *
 * <ul>
 *   <li>Headers: {@code :status} (a value that is not a number reads as -1) and whether the body is
 *       a server-sent event stream ({@code content-type} containing {@code text/event-stream}).
 *   <li>SSE: each chunk goes on as it comes. Its complete lines are read where they lie: {@code
 *       data:} lines ({@code [DONE]} skipped) that mention {@code "usage"} are parsed for it; a
 *       partial line waits in one carry buffer for the rest. Without a model to restore a chunk goes
 *       on as the very {@link ByteString} that came in; with one, every {@code data:} line's model is
 *       replaced and each chunk is copied once, into the bytes sent, so a chunk goes on once its
 *       last complete line is known.
 *   <li>Any other body is held to its end (up to {@code maxBodyBytes} and as far as the buffer
 *       budget allows; beyond, what was held and the rest pass on as they come, unread), parsed
 *       once for usage and model, and sent on with the model replaced by splicing, not copying.
 *   <li>{@link #buffered}: Envoy's BUFFERED mode, the whole body in one message.
 * </ul>
 *
 * <p>One per stream; confined to its thread.
 */
public final class ResponseRewriter {

  /** Where the body goes on: bytes to send, in order, the last with {@code endOfStream}. */
  @FunctionalInterface
  public interface Chunks {
    void send(ByteString bytes, boolean endOfStream);
  }

  private static final byte[] USAGE = "\"usage\"".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] NOTHING = new byte[0];

  private final int maxBodyBytes;
  private final byte[] clientModel; // as a JSON string; null when nothing is restored
  private final ByteString clientModelBytes;
  private final Bytes bytes = new Bytes();
  private final GrowableBytes carry = new GrowableBytes();
  private final GrowableBytes body;
  private int status;
  private boolean sse;
  private boolean passThrough;
  private Usage usage = Usage.NONE;

  /**
   * @param maxBodyBytes how much of a non-SSE body is held to be read
   * @param clientModel the model name the client asked for, to put back in the response; null when
   *     the request's model was not rewritten
   */
  public ResponseRewriter(int maxBodyBytes, String clientModel) {
    this(maxBodyBytes, clientModel, BufferBudget.UNLIMITED.account());
  }

  /**
   * As above, a held body's capacity counted in {@code account}: a body the budget cannot take
   * passes on unread, as one over {@code maxBodyBytes} does.
   */
  public ResponseRewriter(int maxBodyBytes, String clientModel, BufferBudget.Account account) {
    this(maxBodyBytes, clientModel, account, false);
  }

  /**
   * As above; {@code streamRequested}: the request asked for a stream ({@code "stream": true}), so
   * the response is read as server-sent events whatever its content type, as the reference reads it.
   */
  public ResponseRewriter(int maxBodyBytes, String clientModel, BufferBudget.Account account, boolean streamRequested) {
    this.sse = streamRequested;
    this.body = new GrowableBytes(account, maxBodyBytes);
    this.maxBodyBytes = maxBodyBytes;
    this.clientModel = clientModel == null ? null : RequestBody.jsonString(clientModel);
    this.clientModelBytes = clientModel == null ? null : UnsafeByteOperations.unsafeWrap(this.clientModel);
  }

  /** Reads the response headers. */
  public void headers(HttpHeaders h) {
    for (HeaderValue hv : h.getHeaders().getHeadersList()) {
      String key = hv.getKey();
      if (":status".equals(key) || "status".equals(key)) {
        try {
          status = Integer.parseInt(RequestAssembler.headerValue(hv).trim());
        } catch (NumberFormatException e) {
          status = -1;
        }
      } else if ("content-type".equalsIgnoreCase(key) && RequestAssembler.headerValue(hv).contains("text/event-stream")) {
        sse = true;
      }
    }
  }

  /** True when the model name is put back (and so the response's {@code content-length} must go). */
  public boolean restoresModel() {
    return clientModel != null;
  }

  /** The response's {@code :status}; 0 before the headers, -1 when not a number. */
  public int status() {
    return status;
  }

  /** The usage read so far, {@link Usage#NONE} when none. */
  public Usage usage() {
    return usage;
  }

  /** BUFFERED mode: reads the whole body; returns the body to send instead, or null to leave it. */
  public ByteString buffered(ByteString whole) {
    Bytes b = bytes.of(whole);
    if (!sse) {
      return wholeBody(b.array, b.offset, b.length);
    }
    GrowableBytes out = clientModel == null ? null : rewriteBuffer(b.length);
    lines(b.array, b.offset, b.length, true, out);
    return out == null ? null : UnsafeByteOperations.unsafeWrap(out.array(), 0, out.length());
  }

  /** Streamed modes: one body chunk; sends what can go on. */
  public void chunk(ByteString chunk, boolean endOfStream, Chunks out) {
    if (sse) {
      Bytes b = bytes.of(chunk);
      if (clientModel == null) {
        out.send(chunk, endOfStream);
        lines(b.array, b.offset, b.length, endOfStream, null);
        return;
      }
      GrowableBytes rewritten = rewriteBuffer(b.length);
      lines(b.array, b.offset, b.length, endOfStream, rewritten);
      if (rewritten.length() > 0 || endOfStream) {
        out.send(UnsafeByteOperations.unsafeWrap(rewritten.array(), 0, rewritten.length()), endOfStream);
      }
    } else if (passThrough) {
      out.send(chunk, endOfStream);
    } else if ((long) body.length() + chunk.size() <= maxBodyBytes && hold(chunk)) {
      if (endOfStream) {
        flushBody(true, out);
      }
    } else {
      // Too large to hold, or the budget is spent: pass it on as it comes, without usage.
      out.send(UnsafeByteOperations.unsafeWrap(body.array(), 0, body.length()), false);
      body.reset();
      passThrough = true;
      out.send(chunk, endOfStream);
    }
  }

  private boolean hold(ByteString chunk) {
    try {
      body.append(chunk);
      return true;
    } catch (PickerException overBudget) {
      return false;
    }
  }

  /** Streamed modes: the response trailers came; sends what was held. */
  public void trailers(Chunks out) {
    if (sse) {
      GrowableBytes rest = clientModel == null ? null : rewriteBuffer(0);
      lines(NOTHING, 0, 0, true, rest);
      if (rest != null && rest.length() > 0) {
        out.send(UnsafeByteOperations.unsafeWrap(rest.array(), 0, rest.length()), false);
      }
    } else if (!passThrough && body.length() > 0) {
      flushBody(false, out);
    }
  }

  private void flushBody(boolean endOfStream, Chunks out) {
    byte[] held = body.array();
    int length = body.length();
    body.reset();
    ByteString replaced = wholeBody(held, 0, length);
    out.send(replaced != null ? replaced : UnsafeByteOperations.unsafeWrap(held, 0, length), endOfStream);
  }

  /** Reads usage from a whole JSON body; returns it with the model restored, or null if unchanged. */
  private ByteString wholeBody(byte[] b, int offset, int length) {
    ResponseJson json = ResponseJson.parse(b, offset, length);
    if (json.usage().present()) {
      usage = json.usage();
    }
    if (clientModel == null || json.modelStart() < 0) {
      return null;
    }
    return UnsafeByteOperations.unsafeWrap(b, offset, json.modelStart())
        .concat(clientModelBytes)
        .concat(UnsafeByteOperations.unsafeWrap(b, offset + json.modelEnd(), length - json.modelEnd()));
  }

  /**
   * Handles the complete lines of the carried partial line followed by {@code b[offset,
   * offset+length)} (all of it when {@code flush}), appending them to {@code out} (model restored)
   * when not null; what follows the last newline is carried.
   */
  private void lines(byte[] b, int offset, int length, boolean flush, GrowableBytes out) {
    int end = offset + length;
    int pos = offset;
    if (carry.length() > 0) {
      int nl = indexOfNewline(b, pos, end);
      carry.append(b, pos, (nl < 0 ? end : nl + 1) - pos);
      if (nl < 0 && !flush) {
        return;
      }
      int n = carry.length();
      line(carry.array(), 0, nl < 0 ? n : n - 1, n, out);
      carry.clear();
      if (nl < 0) {
        return;
      }
      pos = nl + 1;
    }
    while (pos < end) {
      int nl = indexOfNewline(b, pos, end);
      if (nl < 0) {
        if (flush) {
          line(b, pos, end, end, out);
        } else {
          carry.append(b, pos, end - pos);
        }
        return;
      }
      line(b, pos, nl, nl + 1, out);
      pos = nl + 1;
    }
  }

  /** One line {@code buf[start, contentEnd)}, ending at {@code end} (newline included). */
  private void line(byte[] buf, int start, int contentEnd, int end, GrowableBytes out) {
    int at = out == null ? -1 : out.length();
    if (out != null) {
      out.append(buf, start, end - start);
    }
    int payload = -1;
    if (contentEnd - start >= 5 && buf[start] == 'd' && buf[start + 1] == 'a' && buf[start + 2] == 't'
        && buf[start + 3] == 'a' && buf[start + 4] == ':') {
      payload = start + 5;
      if (payload < contentEnd && buf[payload] == ' ') {
        payload++;
      }
    }
    int payloadEnd = contentEnd;
    if (payloadEnd > start && buf[payloadEnd - 1] == '\r') {
      payloadEnd--;
    }
    boolean done = payload >= 0 && payloadEnd - payload == 6 && buf[payload] == '[' && buf[payload + 1] == 'D'
        && buf[payload + 5] == ']';
    if (payload < 0 || done || (out == null && !contains(buf, payload, payloadEnd, USAGE))) {
      return;
    }
    if (out == null) {
      ResponseJson json = ResponseJson.parse(buf, payload, payloadEnd - payload);
      if (json.usage().present()) {
        usage = json.usage();
      }
      return;
    }
    // Parse the copy just appended, and restore the model in it.
    int copied = at + (payload - start);
    ResponseJson json = ResponseJson.parse(out.array(), copied, payloadEnd - payload);
    if (json.usage().present()) {
      usage = json.usage();
    }
    if (json.modelStart() >= 0) {
      out.replace(copied + json.modelStart(), copied + json.modelEnd(), clientModel);
    }
  }

  /** Room for the carried line and {@code n} more bytes, and for longer model names. */
  private GrowableBytes rewriteBuffer(int n) {
    int size = carry.length() + n;
    return new GrowableBytes(size + Math.max(64, size >> 3));
  }

  private static int indexOfNewline(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static boolean contains(byte[] buf, int from, int to, byte[] needle) {
    outer:
    for (int i = from; i <= to - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (buf[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /**
   * The bytes of a {@link ByteString} without copying them when it wraps a single array, as the
   * chunks gRPC decodes do ({@link UnsafeByteOperations#unsafeWriteTo} hands over the array); a
   * copy otherwise. Read only: the array is the message's.
   */
  private static final class Bytes extends ByteOutput {

    private byte[] array;
    private int offset;
    private int length;
    private int pieces;

    Bytes of(ByteString s) {
      array = null;
      pieces = 0;
      try {
        UnsafeByteOperations.unsafeWriteTo(s, this);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // not thrown by this output
      }
      if (pieces != 1 || array == null) {
        array = s.toByteArray();
        offset = 0;
        length = array.length;
      }
      return this;
    }

    @Override
    public void writeLazy(byte[] value, int off, int len) {
      pieces++;
      array = value;
      offset = off;
      length = len;
    }

    @Override
    public void write(byte value) {
      pieces++;
    }

    @Override
    public void write(byte[] value, int off, int len) {
      pieces++;
    }

    @Override
    public void write(ByteBuffer value) {
      pieces++;
    }

    @Override
    public void writeLazy(ByteBuffer value) {
      pieces++;
    }
  }
}
