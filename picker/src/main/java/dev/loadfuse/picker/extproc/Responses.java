package dev.loadfuse.picker.extproc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.UnsafeByteOperations;
import com.google.protobuf.Value;
import dev.loadfuse.picker.request.ParsedRequest;
import dev.loadfuse.picker.request.Routed;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.BodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.HeadersResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.TrailersResponse;
import java.util.List;
import java.util.Map;
import dev.loadfuse.picker.scheduling.ControlHeader;
import dev.loadfuse.picker.scheduling.Scores;
import dev.loadfuse.picker.tracing.RequestTrace;
import java.util.function.Consumer;

/** Builders of the ext_proc messages the picker sends. Stateless. */
final class Responses {

  /** Envoy limits a streamed chunk to 64 KiB in some setups; stay below with a margin, as the reference does. */
  static final int MAX_CHUNK_BYTES = 62_000;
  static final String DESTINATION_HEADER = "x-gateway-destination-endpoint";
  static final String LB_NAMESPACE = "envoy.lb";
  /** The llm-d router's key for the scored candidates' scores ({@code --emit-endpoint-scores}). */
  static final String SCORES_KEY = "x-gateway-destination-endpoint-scores";

  /** BUFFERED mode: answers request headers at once so that Envoy sends the body. */
  static final ProcessingResponse REQUEST_HEADERS_CONTINUE = ProcessingResponse.newBuilder()
      .setRequestHeaders(HeadersResponse.newBuilder().setResponse(CommonResponse.newBuilder().setClearRouteCache(true)))
      .build();
  private static final ProcessingResponse RESPONSE_HEADERS_CONTINUE = ProcessingResponse.newBuilder()
      .setResponseHeaders(HeadersResponse.getDefaultInstance())
      .build();
  static final ProcessingResponse REQUEST_TRAILERS = ProcessingResponse.newBuilder()
      .setRequestTrailers(TrailersResponse.getDefaultInstance()).build();
  static final ProcessingResponse RESPONSE_TRAILERS = ProcessingResponse.newBuilder()
      .setResponseTrailers(TrailersResponse.getDefaultInstance()).build();
  static final ProcessingResponse RESPONSE_BODY_CONTINUE = ProcessingResponse.newBuilder()
      .setResponseBody(BodyResponse.getDefaultInstance()).build();

  private Responses() {}

  static HeaderValueOption header(String key, String value) {
    return HeaderValueOption.newBuilder()
        .setHeader(HeaderValue.newBuilder().setKey(key).setRawValue(ByteString.copyFromUtf8(value)))
        .setAppendAction(HeaderValueOption.HeaderAppendAction.OVERWRITE_IF_EXISTS_OR_ADD)
        .build();
  }

  /**
   * The routing headers: destination, Content-Length when {@code >= 0}, a generated request id, the
   * trace context passed on; the control headers removed.
   */
  static HeaderMutation routing(String destination, long contentLength, String generatedRequestId,
      Map<String, String> requestHeaders, RequestTrace trace) {
    HeaderMutation.Builder m = HeaderMutation.newBuilder().addSetHeaders(header(DESTINATION_HEADER, destination));
    for (int i = 0; i < ControlHeader.STRIPPED.size(); i++) {
      if (requestHeaders.containsKey(ControlHeader.STRIPPED.get(i))) {
        m.addRemoveHeaders(ControlHeader.STRIPPED.get(i));
      }
    }
    if (contentLength >= 0) {
      m.addSetHeaders(header("Content-Length", Long.toString(contentLength)));
    }
    if (generatedRequestId != null) {
      m.addSetHeaders(header("x-request-id", generatedRequestId));
    }
    trace.inject((key, value) -> m.addSetHeaders(header(key, value)));
    return m.build();
  }

  /**
   * {@code {"envoy.lb": {"x-gateway-destination-endpoint": destination}}}, with
   * {@code "x-gateway-destination-endpoint-scores": {ip:port: score, ...}} when {@code scores} has any
   * ({@code --emit-endpoint-scores}).
   */
  static Struct lbMetadata(String destination, Scores scores) {
    Struct.Builder lb = Struct.newBuilder()
        .putFields(DESTINATION_HEADER, Value.newBuilder().setStringValue(destination).build());
    if (scores.count() > 0) {
      Struct.Builder byEndpoint = Struct.newBuilder();
      scores.forEach((endpoint, score) -> byEndpoint.putFields(endpoint, Value.newBuilder().setNumberValue(score).build()));
      lb.putFields(SCORES_KEY, Value.newBuilder().setStructValue(byEndpoint).build());
    }
    return Struct.newBuilder().putFields(LB_NAMESPACE, Value.newBuilder().setStructValue(lb).build()).build();
  }

  /** The request HeadersResponse that routes the request (streamed mode, or header-only requests). */
  static ProcessingResponse routedRequestHeaders(String destination, Scores scores, long contentLength,
      String generatedRequestId, Map<String, String> requestHeaders, RequestTrace trace) {
    return ProcessingResponse.newBuilder()
        .setRequestHeaders(HeadersResponse.newBuilder().setResponse(CommonResponse.newBuilder()
            .setHeaderMutation(routing(destination, contentLength, generatedRequestId, requestHeaders, trace))
            .setClearRouteCache(true)))
        .setDynamicMetadata(lbMetadata(destination, scores))
        .build();
  }

  /** BUFFERED mode: the request BodyResponse that routes the request and replaces the body if changed. */
  static ProcessingResponse routedRequestBody(String destination, Scores scores, long contentLength,
      String generatedRequestId, Map<String, String> requestHeaders, RequestTrace trace, byte[] newBody) {
    CommonResponse.Builder c = CommonResponse.newBuilder()
        .setHeaderMutation(routing(destination, contentLength, generatedRequestId, requestHeaders, trace))
        .setClearRouteCache(true);
    if (newBody != null) {
      c.setBodyMutation(BodyMutation.newBuilder().setBody(UnsafeByteOperations.unsafeWrap(newBody)));
    }
    return ProcessingResponse.newBuilder()
        .setRequestBody(BodyResponse.newBuilder().setResponse(c))
        .setDynamicMetadata(lbMetadata(destination, scores))
        .build();
  }

  /**
   * The routing answer: a header-only request's HeadersResponse; in BUFFERED mode the BodyResponse
   * (with the body when rewritten); else the HeadersResponse, then the body in chunks.
   */
  static void routed(Routed routed, RequestTrace trace, boolean emitScores, boolean buffered, boolean endOfStream,
      Consumer<ProcessingResponse> out) {
    ParsedRequest request = routed.request();
    String destination = routed.destination();
    Scores scores = emitScores ? routed.scores() : Scores.NONE;
    String generatedId = request.generatedRequestId();
    if (request.headerOnly()) {
      out.accept(routedRequestHeaders(destination, scores, -1, generatedId, request.headers(), trace));
    } else if (buffered) {
      out.accept(routedRequestBody(destination, scores, request.bodyLength(), generatedId, request.headers(), trace,
          request.bodyRewritten() ? request.body() : null));
    } else {
      out.accept(routedRequestHeaders(destination, scores, request.bodyLength(), generatedId, request.headers(), trace));
      streamed(true, request.body(), 0, request.bodyLength(), endOfStream, out);
    }
  }

  /** The answer to the response headers: {@code content-length} removed when asked, {@code set} set. */
  static ProcessingResponse responseHeaders(boolean removeContentLength, Map<String, String> set) {
    if (!removeContentLength && set.isEmpty()) {
      return RESPONSE_HEADERS_CONTINUE;
    }
    HeaderMutation.Builder m = HeaderMutation.newBuilder();
    if (removeContentLength) {
      m.addRemoveHeaders("content-length");
    }
    set.forEach((k, v) -> m.addSetHeaders(header(k, v)));
    return ProcessingResponse.newBuilder()
        .setResponseHeaders(HeadersResponse.newBuilder().setResponse(CommonResponse.newBuilder().setHeaderMutation(m)))
        .build();
  }

  /** BUFFERED mode: the response body replaced by {@code body}. */
  static ProcessingResponse responseBodyReplaced(ByteString body) {
    return ProcessingResponse.newBuilder()
        .setResponseBody(BodyResponse.newBuilder().setResponse(CommonResponse.newBuilder()
            .setBodyMutation(BodyMutation.newBuilder().setBody(body))))
        .build();
  }

  /**
   * Sends {@code body[offset, offset+length)} as {@code StreamedBodyResponse}s of at most {@link
   * #MAX_CHUNK_BYTES} (one empty message when empty), {@code endOfStream} on the last. The bytes
   * are wrapped, not copied: they must not change afterwards.
   */
  static void streamed(boolean request, byte[] body, int offset, int length, boolean endOfStream,
      Consumer<ProcessingResponse> out) {
    int pos = offset;
    int end = offset + length;
    do {
      int n = Math.min(MAX_CHUNK_BYTES, end - pos);
      boolean last = pos + n >= end;
      out.accept(streamedChunk(request, UnsafeByteOperations.unsafeWrap(body, pos, n), last && endOfStream));
      pos += n;
    } while (pos < end);
  }

  /** One chunk, split if larger than {@link #MAX_CHUNK_BYTES}. */
  static void streamed(boolean request, ByteString chunk, boolean endOfStream, Consumer<ProcessingResponse> out) {
    if (chunk.size() <= MAX_CHUNK_BYTES) {
      out.accept(streamedChunk(request, chunk, endOfStream));
      return;
    }
    int pos = 0;
    while (pos < chunk.size()) {
      int n = Math.min(MAX_CHUNK_BYTES, chunk.size() - pos);
      out.accept(streamedChunk(request, chunk.substring(pos, pos + n), endOfStream && pos + n >= chunk.size()));
      pos += n;
    }
  }

  private static ProcessingResponse streamedChunk(boolean request, ByteString bytes, boolean endOfStream) {
    BodyResponse body = BodyResponse.newBuilder().setResponse(CommonResponse.newBuilder()
        .setBodyMutation(BodyMutation.newBuilder().setStreamedResponse(StreamedBodyResponse.newBuilder()
            .setBody(bytes).setEndOfStream(endOfStream)))).build();
    ProcessingResponse.Builder r = ProcessingResponse.newBuilder();
    return (request ? r.setRequestBody(body) : r.setResponseBody(body)).build();
  }
}
