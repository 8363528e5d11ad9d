package dev.loadfuse.picker.extproc;

import com.google.protobuf.ByteString;
import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.request.ParsedRequest;
import dev.loadfuse.picker.request.RequestAssembler;
import dev.loadfuse.picker.request.RequestRouter;
import dev.loadfuse.picker.request.ResponseRewriter;
import dev.loadfuse.picker.request.Routed;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.function.Consumer;

/**
 * One ext_proc stream: one HTTP request through Envoy, from its headers to the end of its
 * response. A protocol state machine ({@link StreamPhase}) that sequences the request path's stages and
 * answers Envoy ({@link Responses}): {@link RequestAssembler} (headers, body, parse, rewrite),
 * {@link RequestRouter} (admission, the admission gate, scheduling), {@link ResponseRewriter}
 * (usage, model restore). The body is buffered to its end (or the trailers); in BUFFERED mode
 * request headers are answered at once. The routing answer may come after the message that
 * completed the request, while the gate holds it ({@link StreamPhase#WAITING}).
 *
 * <p><b>Errors.</b> A {@link PickerException} (or any unexpected exception, as {@code Internal})
 * becomes an ImmediateResponse through {@link ErrorResponses}; the stream then ends cleanly. The
 * routed request stops counting in flight when the response ends, the stream ends or breaks; a
 * request still waiting at the gate then leaves it.
 *
 * <p><b>Threading.</b> Confined to the stream's event loop.
 */
final class ExtProcStream implements RequestRouter.Outcome {

  private final ExtProcContext ctx;
  private final StreamSink sink;
  private final Consumer<ProcessingResponse> send;
  private final ResponseRewriter.Chunks responseChunks;
  private final RequestAssembler assembler;
  private StreamPhase phase = StreamPhase.REQUEST_HEADERS;
  private BodySendMode requestMode;
  private BodySendMode responseMode;
  private long startNanos;
  /** When the message being handled was read: the start of the picker's added latency. */
  private long messageNanos;
  private long routeNanos;
  private boolean bodyEndOfStream;
  private boolean trailersPending;
  private ParsedRequest request;
  private String model = ""; // the request's, for the error metric's labels
  private String targetModel = "";
  private AdmissionGate.Wait wait = AdmissionGate.Wait.NONE;
  private Routed routed;
  private ResponseRewriter response;

  ExtProcStream(ExtProcContext ctx, StreamSink sink) {
    this.ctx = ctx;
    this.sink = sink;
    this.send = sink::send;
    this.responseChunks = (bytes, endOfStream) -> Responses.streamed(false, bytes, endOfStream, send);
    this.assembler = new RequestAssembler(ctx.maxBodyBytes(), ctx.routing(), ctx.scheduler().promptChars(),
        ctx.parseBodies());
  }

  void onMessage(ProcessingRequest m) {
    if (closed()) {
      return;
    }
    messageNanos = System.nanoTime();
    try {
      if (m.hasProtocolConfig()) {
        requestMode = m.getProtocolConfig().getRequestBodyMode();
        responseMode = m.getProtocolConfig().getResponseBodyMode();
      }
      if (m.hasMetadataContext()) {
        assembler.metadata(m.getMetadataContext());
      }
      switch (m.getRequestCase()) {
        case REQUEST_HEADERS -> onRequestHeaders(m.getRequestHeaders());
        case REQUEST_BODY -> onRequestBody(m.getRequestBody());
        case REQUEST_TRAILERS -> onRequestTrailers();
        case RESPONSE_HEADERS -> onResponseHeaders(m.getResponseHeaders());
        case RESPONSE_BODY -> onResponseBody(m.getResponseBody());
        case RESPONSE_TRAILERS -> onResponseTrailers();
        case REQUEST_NOT_SET -> throw new PickerException(PickerException.Code.BAD_REQUEST,
            "ext_proc message without request_headers, request_body, response_headers, response_body or trailers");
      }
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  /** A message that could not be decoded. */
  void onInvalidMessage(String problem) {
    if (!closed()) {
      fail(new PickerException(PickerException.Code.BAD_REQUEST, "invalid ext_proc message: " + problem));
    }
  }

  /** Envoy closed its side: nothing more will come. */
  void onClientEnd() {
    leave();
    if (!closed()) {
      phase = StreamPhase.CLOSED;
      sink.end();
    }
  }

  /** The stream broke (reset, connection lost). */
  void onBroken() {
    leave();
    if (!closed()) {
      phase = StreamPhase.CLOSED;
    }
  }

  private void onRequestHeaders(HttpHeaders h) {
    assembler.headers(h);
    startNanos = System.nanoTime();
    phase = StreamPhase.REQUEST_BODY;
    if (h.getEndOfStream()) {
      route(assembler.headerOnly(), false);
    } else if (buffered(requestMode)) {
      send.accept(Responses.requestHeadersContinue());
    }
  }

  private void onRequestBody(HttpBody b) {
    if (phase == StreamPhase.REQUEST_HEADERS) {
      startNanos = System.nanoTime();
      phase = StreamPhase.REQUEST_BODY;
    } else if (phase != StreamPhase.REQUEST_BODY) {
      return; // nothing more to decide; Envoy should not send more
    }
    assembler.body(b.getBody());
    if (b.getEndOfStream()) {
      route(assembler.finish(), true);
    }
  }

  private void onRequestTrailers() {
    if (phase == StreamPhase.REQUEST_BODY) {
      route(assembler.finish(), false);
    }
    if (phase == StreamPhase.WAITING) {
      trailersPending = true; // answered after the routing answer
    } else if (!closed()) {
      send.accept(Responses.requestTrailers());
    }
  }

  private void route(ParsedRequest parsed, boolean endOfStream) {
    request = parsed;
    model = parsed.model();
    targetModel = parsed.targetModel();
    bodyEndOfStream = endOfStream;
    routeNanos = messageNanos;
    phase = StreamPhase.WAITING;
    AdmissionGate.Wait w = ctx.router().route(parsed, this);
    if (phase == StreamPhase.WAITING) {
      wait = w;
    }
  }

  @Override
  public void routed(Routed r) {
    if (phase != StreamPhase.WAITING) {
      r.release(); // the client went away meanwhile
      return;
    }
    routed = r;
    wait = AdmissionGate.Wait.NONE;
    phase = StreamPhase.ROUTED;
    Responses.routed(r.request(), r.destination(), buffered(requestMode), bodyEndOfStream, send);
    if (trailersPending) {
      send.accept(Responses.requestTrailers());
    }
    ctx.metrics().addedLatency(System.nanoTime() - routeNanos);
    r.afterAnswer();
  }

  @Override
  public void refused(RuntimeException reason) {
    if (phase == StreamPhase.WAITING) {
      wait = AdmissionGate.Wait.NONE; // answered: nothing to cancel
      fail(reason);
    }
  }

  private ResponseRewriter response() {
    if (response == null) {
      boolean restore = request != null && request.bodyRewritten();
      response = new ResponseRewriter(ctx.maxBodyBytes(), restore ? request.model() : null);
    }
    return response;
  }

  private void onResponseHeaders(HttpHeaders h) {
    response().headers(h);
    if (phase == StreamPhase.ROUTED) {
      phase = StreamPhase.RESPONSE;
    }
    send.accept(Responses.responseHeaders(response.restoresModel()));
    if (h.getEndOfStream()) {
      completeResponse();
    }
  }

  private void onResponseBody(HttpBody b) {
    if (buffered(responseMode)) {
      // Envoy sends the whole (buffered) body in one message and waits for the answer.
      ByteString replaced = response().buffered(b.getBody());
      send.accept(replaced != null ? Responses.responseBodyReplaced(replaced) : Responses.responseBodyContinue());
    } else {
      response().chunk(b.getBody(), b.getEndOfStream(), responseChunks);
    }
    if (b.getEndOfStream()) {
      completeResponse();
    }
  }

  private void onResponseTrailers() {
    if (!buffered(responseMode) && phase != StreamPhase.DONE) {
      response().trailers(responseChunks);
    }
    send.accept(Responses.responseTrailers());
    completeResponse();
  }

  private void completeResponse() {
    if (phase == StreamPhase.DONE) {
      return;
    }
    phase = StreamPhase.DONE;
    if (routed != null) {
      routed.recordResponse(System.nanoTime() - startNanos, response().usage(), response.status());
    }
    leave();
  }

  private void fail(RuntimeException failure) {
    PickerException e = ErrorResponses.refusal(failure, assembler.requestId());
    ctx.metrics().error(model, targetModel, request == null ? "" : request.fairnessId(),
        request == null ? "" : Integer.toString(request.priority()), e.code().label());
    sink.send(ErrorResponses.immediate(e));
    leave();
    phase = StreamPhase.FAILED;
    sink.end();
  }

  /** Leaves the gate if still waiting there, and stops counting the request in flight. */
  private void leave() {
    if (phase == StreamPhase.WAITING) {
      AdmissionGate.Wait w = wait;
      wait = AdmissionGate.Wait.NONE;
      w.cancel();
    }
    if (routed != null) {
      routed.release();
    }
  }

  private boolean closed() {
    return phase == StreamPhase.FAILED || phase == StreamPhase.CLOSED;
  }

  private static boolean buffered(BodySendMode mode) {
    return mode == BodySendMode.BUFFERED || mode == BodySendMode.BUFFERED_PARTIAL;
  }
}
