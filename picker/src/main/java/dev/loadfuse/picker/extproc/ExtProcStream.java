package dev.loadfuse.picker.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.datastore.InFlight;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.openai.Api;
import dev.loadfuse.picker.openai.RequestBody;
import dev.loadfuse.picker.openai.ResponseJson;
import dev.loadfuse.picker.openai.Usage;
import dev.loadfuse.picker.routing.RoutingObjects;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One ext_proc stream: one HTTP request through Envoy, from its headers to the end of its
 * response.
 *
 * <p><b>Request.</b> Headers are kept ({@code raw_value}, else {@code value}); {@code x-request-id}
 * is kept or generated. A header-only request is routed at once. Otherwise body chunks are
 * buffered (any number, up to the body limit: beyond it 413) until {@code end_of_stream} or the
 * trailers; then the body is parsed for its API (by path), the model is rewritten if a rule or
 * {@code x-gateway-model-name-rewrite} says so (the body bytes are spliced, not re-serialised),
 * the request is admitted and scheduled, and the picker answers:
 *
 * <ul>
 *   <li>FULL_DUPLEX_STREAMED (or when Envoy does not say, as the reference assumes): a
 *       HeadersResponse with {@code clear_route_cache}, {@code x-gateway-destination-endpoint}
 *       (primary, then fallbacks), {@code Content-Length} and the same destination in {@code
 *       envoy.lb} dynamic metadata; then the body as {@code StreamedBodyResponse}s of at most
 *       62,000 bytes, {@code end_of_stream} on the last.
 *   <li>BUFFERED (announced in {@code protocol_config}): Envoy waits for the headers answer before
 *       sending the body, so request headers are answered at once ({@code clear_route_cache}) and
 *       the routing headers, metadata and (when rewritten) the new body come in the BodyResponse.
 * </ul>
 *
 * <p><b>Response.</b> A {@code :status} other than 200 counts as a model-server error; {@code
 * text/event-stream} marks a streamed response, whose {@code data:} lines are scanned for usage
 * ({@code [DONE]} skipped) and passed on as they come; other bodies are buffered to the end and
 * parsed once. When the model was rewritten, the client's model name is put back into the response
 * (every SSE line, or the whole body) and {@code content-length} is dropped. Usage goes to the
 * token metrics.
 *
 * <p><b>Errors.</b> A {@link PickerException} (or any unexpected exception, as {@code Internal})
 * becomes an ImmediateResponse through {@link ErrorResponses}; the stream then ends cleanly. The
 * in-flight count of the chosen endpoint is released when the response ends, the stream ends or
 * breaks.
 *
 * <p><b>Threading.</b> Confined to the stream's event loop.
 */
final class ExtProcStream {

  /** Where the stream's answers go. */
  interface Sink {
    void send(ProcessingResponse response);

    void end();
  }

  static final String SUBSET_NAMESPACE = "envoy.lb.subset_hint";
  static final String SUBSET_KEY = "x-gateway-destination-endpoint-subset";

  private static final Logger LOG = Logger.getLogger(ExtProcStream.class.getName());
  private static final byte[] USAGE = "\"usage\"".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private final ExtProcContext ctx;
  private final Sink sink;
  private final java.util.function.Consumer<ProcessingResponse> send;

  private boolean closed;
  private BodySendMode requestMode;
  private BodySendMode responseMode;

  // request
  private boolean headersSeen;
  private Map<String, String> headers = Map.of();
  private String requestId;
  private String generatedRequestId;
  private Api api = Api.PASS_THROUGH;
  private boolean subsetPresent;
  private List<String> subset = List.of();
  private final GrowableBytes body = new GrowableBytes();
  private boolean routed;
  private long startNanos;
  /** When the message being handled was read: the start of the picker's added latency. */
  private long messageNanos;
  private String model = "";
  private String targetModel = "";
  private String prompt = "";
  private String cacheSalt = "";
  private SchedulingCycle pickedCycle;
  private SchedulingResult picked;
  private InFlight inFlight;
  private PickerMetrics.Meters meters;
  private AtomicInteger running;

  // response
  private boolean responseDone;
  private int status;
  private boolean sse;
  private boolean restoreModel;
  private final GrowableBytes responseBody = new GrowableBytes();
  private boolean responsePassThrough;
  private Usage usage = Usage.NONE;

  ExtProcStream(ExtProcContext ctx, Sink sink) {
    this.ctx = ctx;
    this.sink = sink;
    this.send = sink::send;
  }

  void onMessage(ProcessingRequest m) {
    if (closed) {
      return;
    }
    messageNanos = System.nanoTime();
    try {
      if (m.hasProtocolConfig()) {
        requestMode = m.getProtocolConfig().getRequestBodyMode();
        responseMode = m.getProtocolConfig().getResponseBodyMode();
      }
      if (m.hasMetadataContext()) {
        captureSubset(m.getMetadataContext());
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
    } catch (PickerException e) {
      fail(e);
    } catch (RuntimeException e) {
      LOG.log(Level.WARNING, "ext_proc stream of request " + requestId + " failed", e);
      fail(new PickerException(PickerException.Code.INTERNAL, "internal error: " + e));
    }
  }

  /** A message that could not be decoded. */
  void onInvalidMessage(String problem) {
    if (!closed) {
      fail(new PickerException(PickerException.Code.BAD_REQUEST, "invalid ext_proc message: " + problem));
    }
  }

  /** Envoy closed its side: nothing more will come. */
  void onClientEnd() {
    releaseInFlight();
    if (!closed) {
      closed = true;
      sink.end();
    }
  }

  /** The stream broke (reset, connection lost). */
  void onBroken() {
    releaseInFlight();
    closed = true;
  }

  // ---- request ----

  private void onRequestHeaders(HttpHeaders h) {
    if (headersSeen) {
      throw new PickerException(PickerException.Code.BAD_REQUEST, "request headers received twice");
    }
    startRequest(headerMap(h));
    if (h.getEndOfStream()) {
      String destination = schedule(true, 0, 0);
      send.accept(Responses.routedRequestHeaders(destination, -1, generatedRequestId));
      routed = true;
      ctx.metrics().addedLatency(System.nanoTime() - messageNanos);
      afterPick();
      return;
    }
    if (buffered(requestMode)) {
      send.accept(Responses.requestHeadersContinue());
    }
  }

  private void startRequest(Map<String, String> map) {
    headersSeen = true;
    startNanos = System.nanoTime();
    headers = map;
    requestId = headers.get("x-request-id");
    if (requestId == null || requestId.isBlank()) {
      requestId = UUID.randomUUID().toString();
      generatedRequestId = requestId;
    }
    String path = firstNonBlank(headers.get(":path"), headers.get("x-original-path"), headers.get("x-forwarded-path"));
    api = Api.ofPath(path);
  }

  private void onRequestBody(HttpBody b) {
    if (routed) {
      return; // nothing more to decide; Envoy should not send more
    }
    if (!headersSeen) {
      startRequest(Map.of());
    }
    ByteString chunk = b.getBody();
    if ((long) body.length() + chunk.size() > ctx.maxBodyBytes()) {
      throw new PickerException(PickerException.Code.PAYLOAD_TOO_LARGE,
          "request body larger than " + ctx.maxBodyBytes() + " bytes");
    }
    body.append(chunk);
    if (b.getEndOfStream()) {
      routeWithBody(true);
    }
  }

  private void onRequestTrailers() {
    if (headersSeen && !routed) {
      routeWithBody(false);
    }
    send.accept(Responses.requestTrailers());
  }

  private void routeWithBody(boolean endOfStream) {
    byte[] forward = body.array();
    int length = body.length();
    boolean changed = false;
    RoutingObjects routing = ctx.routing().current(); // one version for the whole request
    if (api != Api.PASS_THROUGH) {
      RequestBody parsed = RequestBody.parse(api, forward, length, ctx.scheduler().promptChars());
      model = parsed.model();
      prompt = parsed.prompt();
      cacheSalt = parsed.cacheSalt();
      String header = headers.get("x-gateway-model-name-rewrite");
      targetModel = header != null && !header.isBlank() ? header
          : routing.rewrites().rewrite(model, ThreadLocalRandom.current());
      if (!targetModel.equals(model)) {
        forward = parsed.withModel(forward, length, targetModel);
        length = forward.length;
        changed = true;
        restoreModel = true;
      }
    }
    int priority = routing.priority(headers.get("x-gateway-inference-objective"));
    String destination = schedule(false, priority, length);
    routed = true;
    body.reset(); // the responses below wrap the array: never write into it again
    if (buffered(requestMode)) {
      send.accept(Responses.routedRequestBody(destination, length, generatedRequestId, changed ? forward : null));
    } else {
      send.accept(Responses.routedRequestHeaders(destination, length, generatedRequestId));
      Responses.streamed(true, forward, 0, length, endOfStream, send);
    }
    ctx.metrics().addedLatency(System.nanoTime() - messageNanos);
    afterPick();
  }

  /** Bookkeeping that follows a pick (e.g. the prefix index), once Envoy has its answer. */
  private void afterPick() {
    SchedulingCycle cycle = pickedCycle;
    SchedulingResult result = picked;
    pickedCycle = null;
    picked = null;
    if (result != null) {
      ctx.scheduler().preRequest(cycle, result);
    }
  }

  /** Chooses the endpoints; returns Envoy's destination value. */
  private String schedule(boolean headerOnly, int priority, long bodyBytes) {
    EndpointState[] candidates;
    if (subsetPresent) {
      if (subset.isEmpty()) {
        throw new PickerException(PickerException.Code.SERVICE_UNAVAILABLE,
            "no endpoints in the subset hint (" + SUBSET_KEY + " is empty)");
      }
      candidates = ctx.datastore().subset(subset);
      if (candidates.length == 0) {
        throw new PickerException(PickerException.Code.SERVICE_UNAVAILABLE,
            "none of the endpoints in the subset hint " + subset + " is available");
      }
    } else {
      candidates = ctx.datastore().routable();
      if (candidates.length == 0) {
        throw headerOnly
            ? new PickerException(PickerException.Code.INTERNAL, "no endpoints available to serve the request")
            : new PickerException(PickerException.Code.SERVICE_UNAVAILABLE, "failed to find candidate endpoints for serving the request");
      }
    }
    long now = System.currentTimeMillis();
    int n = candidates.length;
    boolean failOpen = ctx.failOpen().check(candidates, n, now, ctx.staleAfterMillis());
    SchedulingRequest request = new SchedulingRequest(requestId, model, targetModel, priority,
        headers.get("x-gateway-inference-fairness-id"), headers, bodyBytes, prompt, cacheSalt);
    SchedulingCycle cycle = new SchedulingCycle(request, now, failOpen ? Long.MAX_VALUE : ctx.staleAfterMillis(), null,
        failOpen, ctx.metrics());
    if (priority < 0 && ctx.saturation().saturated(cycle, candidates, n)) {
      ctx.metrics().shed(model, targetModel);
      throw new PickerException(PickerException.Code.RESOURCE_EXHAUSTED,
          "request dropped: the pool is saturated and the request is sheddable (priority " + priority + ")");
    }
    SchedulingResult result = ctx.scheduler().schedule(cycle, candidates, n);
    pickedCycle = cycle;
    picked = result;
    List<EndpointState> targets = result.primary().targets();
    inFlight = targets.getFirst().acquire(request.estimatedInputTokens());
    meters = ctx.metrics().meters(model, targetModel);
    meters.requests().increment();
    running = ctx.metrics().running(model);
    running.incrementAndGet();
    if (targets.size() == 1) {
      return targets.getFirst().hostPort();
    }
    StringBuilder sb = new StringBuilder();
    for (EndpointState t : targets) {
      if (!sb.isEmpty()) {
        sb.append(',');
      }
      sb.append(t.hostPort());
    }
    return sb.toString();
  }

  private void captureSubset(Metadata metadata) {
    Struct hint = metadata.getFilterMetadataMap().get(SUBSET_NAMESPACE);
    if (hint == null || !hint.containsFields(SUBSET_KEY)) {
      return;
    }
    Value v = hint.getFieldsOrThrow(SUBSET_KEY);
    List<String> out = new ArrayList<>();
    switch (v.getKindCase()) {
      case LIST_VALUE -> {
        for (Value e : v.getListValue().getValuesList()) {
          if (e.hasStringValue() && !e.getStringValue().isBlank()) {
            out.add(e.getStringValue().trim());
          }
        }
      }
      case STRING_VALUE -> {
        for (String s : v.getStringValue().split(",")) {
          if (!s.isBlank()) {
            out.add(s.trim());
          }
        }
      }
      default -> { }
    }
    subsetPresent = true;
    subset = out;
  }

  // ---- response ----

  private void onResponseHeaders(HttpHeaders h) {
    for (HeaderValue hv : h.getHeaders().getHeadersList()) {
      String key = hv.getKey();
      if (":status".equals(key) || "status".equals(key)) {
        try {
          status = Integer.parseInt(value(hv).trim());
        } catch (NumberFormatException e) {
          status = -1;
        }
      } else if ("content-type".equalsIgnoreCase(key) && value(hv).contains("text/event-stream")) {
        sse = true;
      }
    }
    send.accept(Responses.responseHeaders(restoreModel));
    if (h.getEndOfStream()) {
      completeResponse();
    }
  }

  private void onResponseBody(HttpBody b) {
    ByteString chunk = b.getBody();
    boolean eos = b.getEndOfStream();
    if (buffered(responseMode)) {
      // Envoy sends the whole (buffered) body in one message and waits for the answer.
      byte[] bytes = chunk.toByteArray();
      byte[] replaced = sse ? sseLines(bytes, bytes.length, true) : wholeBody(bytes, bytes.length);
      send.accept(replaced != null && restoreModel ? Responses.responseBodyReplaced(replaced) : Responses.responseBodyContinue());
      if (eos) {
        completeResponse();
      }
      return;
    }
    if (sse) {
      onSseChunk(chunk, eos);
    } else if (responsePassThrough) {
      Responses.streamed(false, chunk, eos, send);
    } else if ((long) responseBody.length() + chunk.size() > ctx.maxBodyBytes()) {
      // Too large to hold: pass it on as it comes, without usage.
      Responses.streamed(false, responseBody.array(), 0, responseBody.length(), false, send);
      responseBody.reset();
      responsePassThrough = true;
      Responses.streamed(false, chunk, eos, send);
    } else {
      responseBody.append(chunk);
      if (eos) {
        flushWholeBody(true);
      }
    }
    if (eos) {
      completeResponse();
    }
  }

  private void onResponseTrailers() {
    if (!buffered(responseMode) && !responseDone) {
      if (sse) {
        byte[] rest = sseLines(new byte[0], 0, true);
        if (restoreModel && rest != null && rest.length > 0) {
          Responses.streamed(false, rest, 0, rest.length, false, send);
        }
      } else if (!responsePassThrough && responseBody.length() > 0) {
        flushWholeBody(false);
      }
    }
    send.accept(Responses.responseTrailers());
    completeResponse();
  }

  private void flushWholeBody(boolean endOfStream) {
    byte[] bytes = responseBody.array();
    int length = responseBody.length();
    byte[] replaced = wholeBody(bytes, length);
    responseBody.reset();
    if (replaced != null) {
      Responses.streamed(false, replaced, 0, replaced.length, endOfStream, send);
    } else {
      Responses.streamed(false, bytes, 0, length, endOfStream, send);
    }
  }

  /** Reads usage from a whole JSON body; returns the body with the model restored, or null if unchanged. */
  private byte[] wholeBody(byte[] bytes, int length) {
    ResponseJson json = ResponseJson.parse(bytes, 0, length);
    if (json.usage().present()) {
      usage = json.usage();
    }
    if (restoreModel && json.modelStart() >= 0) {
      return RequestBody.splice(bytes, length, json.modelStart(), json.modelEnd(), model);
    }
    return null;
  }

  // SSE: complete lines are scanned; a partial line waits for the next chunk.
  private final GrowableBytes sseCarry = new GrowableBytes();

  private void onSseChunk(ByteString chunk, boolean eos) {
    if (!restoreModel) {
      Responses.streamed(false, chunk, eos, send);
      byte[] bytes = chunk.toByteArray();
      sseLines(bytes, bytes.length, eos);
      return;
    }
    byte[] bytes = chunk.toByteArray();
    byte[] out = sseLines(bytes, bytes.length, eos);
    if (out.length > 0 || eos) {
      Responses.streamed(false, out, 0, out.length, eos, send);
    }
  }

  /**
   * Appends {@code bytes} to the carried partial line, handles every complete line (all of them
   * when {@code flush}), and returns the handled lines (model restored when needed), or an empty
   * array.
   */
  private byte[] sseLines(byte[] bytes, int length, boolean flush) {
    sseCarry.append(bytes, 0, length);
    byte[] buf = sseCarry.array();
    int n = sseCarry.length();
    int lastNewline = -1;
    for (int i = n - 1; i >= 0; i--) {
      if (buf[i] == '\n') {
        lastNewline = i;
        break;
      }
    }
    int end = flush ? n : lastNewline + 1;
    if (end <= 0) {
      return new byte[0];
    }
    GrowableBytes out = restoreModel ? new GrowableBytes() : null;
    int lineStart = 0;
    while (lineStart < end) {
      int nl = lineStart;
      while (nl < end && buf[nl] != '\n') {
        nl++;
      }
      int lineEnd = nl < end ? nl + 1 : end; // include the newline
      sseLine(buf, lineStart, nl, lineEnd, out);
      lineStart = lineEnd;
    }
    byte[] result = out == null ? new byte[0] : java.util.Arrays.copyOf(out.array(), out.length());
    sseCarry.dropFirst(end);
    return result;
  }

  /** One line {@code buf[start, contentEnd)} ending at {@code end} (newline included). */
  private void sseLine(byte[] buf, int start, int contentEnd, int end, GrowableBytes out) {
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
      if (out != null) {
        out.append(buf, start, end - start);
      }
      return;
    }
    ResponseJson json = ResponseJson.parse(buf, payload, payloadEnd - payload);
    if (json.usage().present()) {
      usage = json.usage();
    }
    if (out == null) {
      return;
    }
    if (json.modelStart() >= 0) {
      byte[] replaced = RequestBody.splice(java.util.Arrays.copyOfRange(buf, payload, payloadEnd), payloadEnd - payload,
          json.modelStart(), json.modelEnd(), model);
      out.append(buf, start, payload - start);
      out.append(replaced, 0, replaced.length);
      out.append(buf, payloadEnd, end - payloadEnd);
    } else {
      out.append(buf, start, end - start);
    }
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

  private void completeResponse() {
    if (responseDone) {
      return;
    }
    responseDone = true;
    if (meters != null) {
      meters.duration().record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
      if (usage.promptTokens() >= 0) {
        meters.inputTokens().record(usage.promptTokens());
      }
      if (usage.completionTokens() >= 0) {
        meters.outputTokens().record(usage.completionTokens());
      }
    }
    if (status != 0 && status != 200) {
      ctx.metrics().error(model, targetModel, PickerMetrics.MODEL_SERVER_ERROR);
    }
    releaseInFlight();
  }

  // ---- common ----

  private void fail(PickerException e) {
    ctx.metrics().error(model, targetModel, e.code().label());
    if (LOG.isLoggable(Level.FINE)) {
      LOG.fine("request " + requestId + ": " + e.body());
    }
    sink.send(ErrorResponses.immediate(e));
    releaseInFlight();
    closed = true;
    sink.end();
  }

  private void releaseInFlight() {
    if (inFlight != null && !inFlight.released()) {
      inFlight.release();
      running.decrementAndGet();
    }
  }

  /** The usage read from the response so far (tests). */
  Usage usage() {
    return usage;
  }

  private static boolean buffered(BodySendMode mode) {
    return mode == BodySendMode.BUFFERED || mode == BodySendMode.BUFFERED_PARTIAL;
  }

  private static Map<String, String> headerMap(HttpHeaders h) {
    Map<String, String> map = new HashMap<>();
    for (HeaderValue hv : h.getHeaders().getHeadersList()) {
      map.put(hv.getKey().toLowerCase(java.util.Locale.ROOT), value(hv));
    }
    return map;
  }

  private static String value(HeaderValue hv) {
    return hv.getRawValue().isEmpty() ? hv.getValue() : hv.getRawValue().toStringUtf8();
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}
