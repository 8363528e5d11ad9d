package dev.loadfuse.benchmarks.routing;

import com.google.protobuf.ByteString;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;

/** The ext_proc messages a gateway sends for one request, and the destination the picker answers. */
final class ExtProcMessages {

  static final String DESTINATION = "x-gateway-destination-endpoint";

  private ExtProcMessages() {}

  /** The request headers Envoy would send for {@code item} (POST, JSON, {@code x-request-id}). */
  static ProcessingRequest requestHeaders(WorkItem item, String requestId, int bodyLength, String... extra) {
    String[] all = java.util.Arrays.copyOf(new String[] {":method", "POST", ":path", item.path(), ":authority",
        "gateway", "content-type", "application/json", "x-request-id", requestId, "content-length",
        Integer.toString(bodyLength)}, 12 + extra.length);
    System.arraycopy(extra, 0, all, 12, extra.length);
    return ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headers(all))).build();
  }

  /** The whole request body in one message, end of stream. */
  static ProcessingRequest requestBody(byte[] body) {
    return ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
        .setBody(ByteString.copyFrom(body)).setEndOfStream(true)).build();
  }

  /** The response headers of a model server's answer. */
  static ProcessingRequest responseHeaders(int status, String contentType, boolean endOfStream) {
    return ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder().setHeaders(headers(
        ":status", Integer.toString(status), "content-type", contentType)).setEndOfStream(endOfStream)).build();
  }

  /** The primary endpoint ({@code host:port}) the picker set in a request-headers answer; null if none. */
  static String destination(ProcessingResponse r) {
    for (HeaderValueOption h : r.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList()) {
      if (DESTINATION.equals(h.getHeader().getKey())) {
        return h.getHeader().getRawValue().toStringUtf8().split(",", 2)[0];
      }
    }
    return null;
  }

  static HeaderMap headers(String... keyValues) {
    HeaderMap.Builder m = HeaderMap.newBuilder();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.addHeaders(HeaderValue.newBuilder().setKey(keyValues[i]).setRawValue(ByteString.copyFromUtf8(keyValues[i + 1])));
    }
    return m.build();
  }
}
