package dev.loadfuse.picker.extproc;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.request.ParsedRequest;
import dev.loadfuse.picker.request.RequestAssembler;
import dev.loadfuse.picker.request.RequestRouter;
import dev.loadfuse.picker.request.ResponseRewriter;
import dev.loadfuse.picker.request.Routed;
import dev.loadfuse.picker.tracing.RequestTrace;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.Map;
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
 * becomes an ImmediateResponse through {@link ErrorResponses}; the stream then ends cleanly. So do a
 * passed request deadline (408) and a response phase before the request was routed (400). What the
 * stream holds ({@link StreamHold}: buffered bytes, deadline, place at the gate, in-flight count) is
 * given back when the response ends, the request is refused, or the stream ends or breaks.
 *
 * <p><b>Threading.</b> Confined to the stream's event loop.
 */
final class ExtProcStream implements RequestRouter.Outcome {

  private final ExtProcContext ctx;
  private final StreamSink sink;
  private final Consumer<ProcessingResponse> send;
  private final RequestAssembler assembler;
  private final StreamHold hold;
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
  private ResponseLeg response;
  private RequestTrace trace = RequestTrace.NONE;

  /** A stream whose request deadlines ({@link RequestDeadline}) run on {@code timers} (NONE: none), from now. */
  ExtProcStream(ExtProcContext ctx, StreamSink sink, StreamTimers timers) {
    this.ctx = ctx;
    this.sink = sink;
    this.send = sink::send;
    this.hold = new StreamHold(ctx, timers, this::refuse);
    this.assembler = new RequestAssembler(ctx.maxBodyBytes(), ctx.routing(), ctx.scheduler().promptChars(),
        hold.account, ctx.options().parseBodies());
  }

  void onMessage(ProcessingRequest m) {
    if (closed()) {
      return;
    }
    messageNanos = System.nanoTime();
    hold.deadline.progress();
    try {
      if (m.hasProtocolConfig()) {
        requestMode = m.getProtocolConfig().getRequestBodyMode();
        responseMode = m.getProtocolConfig().getResponseBodyMode();
      }
      if (m.hasMetadataContext() && ctx.options().subsetHints()) {
        assembler.metadata(m.getMetadataContext());
      }
      switch (m.getRequestCase()) {
        case REQUEST_HEADERS -> onRequestHeaders(m.getRequestHeaders());
        case REQUEST_BODY -> onRequestBody(m.getRequestBody());
        case REQUEST_TRAILERS -> onRequestTrailers();
        case RESPONSE_HEADERS -> onResponseHeaders(phase.requireRouted(m).getResponseHeaders(), m);
        case RESPONSE_BODY -> onResponseBody(phase.requireRouted(m).getResponseBody());
        case RESPONSE_TRAILERS -> onResponseTrailers(phase.requireRouted(m));
        case REQUEST_NOT_SET -> throw new PickerException(PickerException.Code.BAD_REQUEST,
            "ext_proc message without request_headers, request_body, response_headers, response_body or trailers");
      }
    } catch (RuntimeException e) {
      fail(e);
    }
  }

  /** Refuses the request now (a deadline passed, a message could not be decoded or buffered), unless already over. */
  void refuse(PickerException reason) {
    if (!closed()) {
      fail(reason);
    }
  }

  /** Envoy closed its side: nothing more will come. */
  void onClientEnd() {
    hold.release();
    trace.end();
    if (!closed()) {
      phase = StreamPhase.CLOSED;
      sink.end();
    }
  }

  /** The stream broke (reset, connection lost). */
  void onBroken() {
    hold.release();
    trace.end();
    if (!closed()) {
      phase = StreamPhase.CLOSED;
    }
  }

  private void onRequestHeaders(HttpHeaders h) {
    assembler.headers(h);
    trace = ctx.options().tracing().start(assembler.headers());
    startNanos = System.nanoTime();
    phase = StreamPhase.REQUEST_BODY;
    if (h.getEndOfStream()) {
      route(assembler.headerOnly(), false);
    } else if (buffered(requestMode)) {
      send.accept(Responses.REQUEST_HEADERS_CONTINUE);
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
      send.accept(Responses.REQUEST_TRAILERS);
    }
  }

  private void route(ParsedRequest parsed, boolean endOfStream) {
    hold.deadline.stop();
    request = parsed;
    bodyEndOfStream = endOfStream;
    routeNanos = messageNanos;
    phase = StreamPhase.WAITING;
    AdmissionGate.Wait w = ctx.router().route(parsed, trace, this);
    if (phase == StreamPhase.WAITING) {
      hold.waiting(w);
    }
  }

  @Override
  public void routed(Routed r) {
    if (phase != StreamPhase.WAITING) {
      r.release(); // the client went away meanwhile
      return;
    }
    hold.routed(r);
    phase = StreamPhase.ROUTED;
    Responses.routed(r, trace, ctx.options().emitEndpointScores(), buffered(requestMode), bodyEndOfStream, send);
    if (trailersPending) {
      send.accept(Responses.REQUEST_TRAILERS);
    }
    ctx.metrics().addedLatency(System.nanoTime() - routeNanos);
    r.afterAnswer();
  }

  @Override
  public void refused(RuntimeException reason) {
    if (phase == StreamPhase.WAITING) {
      hold.answered();
      fail(reason);
    }
  }

  private ResponseLeg response() {
    if (response == null) {
      boolean restore = request != null && request.bodyRewritten();
      response = new ResponseLeg(ctx.maxBodyBytes(), restore ? request.model() : null,
          request != null && request.stream(), hold.account, send);
    }
    return response;
  }

  private void onResponseHeaders(HttpHeaders h, ProcessingRequest m) {
    if (phase == StreamPhase.ROUTED) {
      phase = StreamPhase.RESPONSE;
    }
    Map<String, String> set = hold.routed() == null ? Map.of()
        : hold.routed().responseHeaders(() -> EnvoyMetadata.of(m.getMetadataContext()));
    if (response().headers(h, set)) {
      completeResponse();
    }
  }

  private void onResponseBody(HttpBody b) {
    if (response().body(b, buffered(responseMode))) {
      completeResponse();
    }
  }

  private void onResponseTrailers(ProcessingRequest routedOnly) {
    response().trailers(!buffered(responseMode) && phase != StreamPhase.DONE);
    completeResponse();
  }

  private void completeResponse() {
    if (phase == StreamPhase.DONE) {
      return;
    }
    phase = StreamPhase.DONE;
    if (hold.routed() != null) {
      hold.routed().recordResponse(System.nanoTime() - startNanos, response().usage(), response.status());
    }
    trace.responseEnded(response().status());
    hold.release();
  }

  private void fail(RuntimeException failure) {
    PickerException e = ErrorResponses.refusal(failure, assembler.requestId());
    ParsedRequest r = request; // null before the request was read: the error counts without a model
    ctx.metrics().error(r == null ? "" : r.model(), r == null ? "" : r.targetModel(), r == null ? "" : r.fairnessId(),
        r == null ? "" : Integer.toString(r.priority()), e.code().label());
    sink.send(ErrorResponses.immediate(e));
    trace.failed(e.code().label(), e.getMessage());
    hold.release();
    phase = StreamPhase.FAILED;
    sink.end();
  }

  private boolean closed() {
    return phase == StreamPhase.FAILED || phase == StreamPhase.CLOSED;
  }

  private static boolean buffered(BodySendMode mode) {
    return mode == BodySendMode.BUFFERED || mode == BodySendMode.BUFFERED_PARTIAL;
  }
}
