package dev.loadfuse.picker.extproc;

import com.google.protobuf.ByteString;
import dev.loadfuse.picker.openai.Usage;
import dev.loadfuse.picker.request.BufferBudget;
import dev.loadfuse.picker.request.ResponseRewriter;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The response phases of an {@link ExtProcStream}: each message through the {@link
 * ResponseRewriter} and Envoy's answer to it ({@link Responses}). The stream keeps the phase.
 * Confined to the stream's thread.
 */
final class ResponseLeg {

  private final ResponseRewriter rewriter;
  private final Consumer<ProcessingResponse> send;
  private final ResponseRewriter.Chunks chunks;

  /**
   * @param clientModel the model name to put back, null when the request's was not rewritten
   * @param account where a held body's bytes are counted
   */
  ResponseLeg(int maxBodyBytes, String clientModel, boolean streamRequested, BufferBudget.Account account,
      Consumer<ProcessingResponse> send) {
    this.rewriter = new ResponseRewriter(maxBodyBytes, clientModel, account, streamRequested);
    this.send = send;
    this.chunks = (bytes, endOfStream) -> Responses.streamed(false, bytes, endOfStream, send);
  }

  /** Answers the response headers, setting {@code set} on the response; true when they end the response. */
  boolean headers(HttpHeaders h, Map<String, String> set) {
    rewriter.headers(h);
    send.accept(Responses.responseHeaders(rewriter.restoresModel(), set));
    return h.getEndOfStream();
  }

  /** Answers a body message ({@code buffered}: the whole body in one, awaiting the answer); true when it ends the response. */
  boolean body(HttpBody b, boolean buffered) {
    if (buffered) {
      ByteString replaced = rewriter.buffered(b.getBody());
      send.accept(replaced != null ? Responses.responseBodyReplaced(replaced) : Responses.RESPONSE_BODY_CONTINUE);
    } else {
      rewriter.chunk(b.getBody(), b.getEndOfStream(), chunks);
    }
    return b.getEndOfStream();
  }

  /** Answers the trailers, after sending what was held (streamed modes, unless the body already ended). */
  void trailers(boolean flush) {
    if (flush) {
      rewriter.trailers(chunks);
    }
    send.accept(Responses.RESPONSE_TRAILERS);
  }

  Usage usage() {
    return rewriter.usage();
  }

  int status() {
    return rewriter.status();
  }
}
