package dev.loadfuse.picker.testing;

import com.google.protobuf.ByteString;
import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpTrailers;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProtocolConfiguration;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One ext_proc stream driven as Envoy drives it, with grpc-java's {@code ExternalProcessorGrpc}
 * stub. Answers are queued; {@link #next()} waits a bounded time for one.
 */
public final class EnvoyStream implements AutoCloseable {

  private final BlockingQueue<ProcessingResponse> responses = new LinkedBlockingQueue<>();
  private final CompletableFuture<Status> done = new CompletableFuture<>();
  private final StreamObserver<ProcessingRequest> requests;
  private volatile ClientCallStreamObserver<ProcessingRequest> call;

  public EnvoyStream(Channel channel) {
    requests = ExternalProcessorGrpc.newStub(channel).process(new ClientResponseObserver<ProcessingRequest, ProcessingResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<ProcessingRequest> requestStream) {
        call = requestStream;
      }

      @Override
      public void onNext(ProcessingResponse value) {
        responses.add(value);
      }

      @Override
      public void onError(Throwable t) {
        done.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        done.complete(Status.OK);
      }
    });
  }

  public EnvoyStream send(ProcessingRequest r) {
    requests.onNext(r);
    return this;
  }

  public ProcessingResponse next() {
    try {
      ProcessingResponse r = responses.poll(20, TimeUnit.SECONDS);
      if (r == null) {
        throw new AssertionError("no ext_proc response within 20 s" + (done.isDone() ? " (stream ended: " + done.join() + ")" : ""));
      }
      return r;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every response up to and including the one with a streamed body end_of_stream (request side). */
  public List<ProcessingResponse> untilRequestBodyEnd() {
    List<ProcessingResponse> out = new ArrayList<>();
    while (true) {
      ProcessingResponse r = next();
      out.add(r);
      if (r.hasImmediateResponse() || (r.hasRequestBody()
          && r.getRequestBody().getResponse().getBodyMutation().getStreamedResponse().getEndOfStream())) {
        return out;
      }
    }
  }

  /** Responses arrived so far without waiting. */
  public List<ProcessingResponse> drain() {
    List<ProcessingResponse> out = new ArrayList<>();
    responses.drainTo(out);
    return out;
  }

  /** Waits for the server to end the stream. */
  public Status awaitEnd() {
    try {
      return done.get(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("stream did not end", e);
    }
  }

  public void halfClose() {
    requests.onCompleted();
  }

  public void cancel() {
    call.cancel("test cancels", null);
  }

  @Override
  public void close() {
    if (!done.isDone()) {
      try {
        requests.onCompleted();
      } catch (RuntimeException ignored) {
        // already closed
      }
    }
  }

  // ---- message builders ----

  public static HeaderMap headerMap(String... keyValues) {
    HeaderMap.Builder m = HeaderMap.newBuilder();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.addHeaders(HeaderValue.newBuilder().setKey(keyValues[i])
          .setRawValue(ByteString.copyFromUtf8(keyValues[i + 1])));
    }
    return m.build();
  }

  public static ProcessingRequest requestHeaders(boolean endOfStream, String... keyValues) {
    return ProcessingRequest.newBuilder()
        .setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headerMap(keyValues)).setEndOfStream(endOfStream))
        .build();
  }

  /** Request headers of a POST to {@code path}. */
  public static ProcessingRequest post(String path, String... more) {
    String[] kv = new String[6 + more.length];
    kv[0] = ":method";
    kv[1] = "POST";
    kv[2] = ":path";
    kv[3] = path;
    kv[4] = "content-type";
    kv[5] = "application/json";
    System.arraycopy(more, 0, kv, 6, more.length);
    return requestHeaders(false, kv);
  }

  public static ProcessingRequest requestBody(String body, boolean endOfStream) {
    return requestBody(body.getBytes(StandardCharsets.UTF_8), endOfStream);
  }

  public static ProcessingRequest requestBody(byte[] body, boolean endOfStream) {
    return ProcessingRequest.newBuilder()
        .setRequestBody(HttpBody.newBuilder().setBody(ByteString.copyFrom(body)).setEndOfStream(endOfStream))
        .build();
  }

  public static ProcessingRequest requestTrailers() {
    return ProcessingRequest.newBuilder().setRequestTrailers(HttpTrailers.getDefaultInstance()).build();
  }

  public static ProcessingRequest responseHeaders(boolean endOfStream, String... keyValues) {
    return ProcessingRequest.newBuilder()
        .setResponseHeaders(HttpHeaders.newBuilder().setHeaders(headerMap(keyValues)).setEndOfStream(endOfStream))
        .build();
  }

  public static ProcessingRequest responseBody(String body, boolean endOfStream) {
    return ProcessingRequest.newBuilder()
        .setResponseBody(HttpBody.newBuilder().setBody(ByteString.copyFromUtf8(body)).setEndOfStream(endOfStream))
        .build();
  }

  /** {@code r} with the protocol configuration Envoy sends on the first message. */
  public static ProcessingRequest withModes(ProcessingRequest r, BodySendMode request, BodySendMode response) {
    return r.toBuilder().setProtocolConfig(ProtocolConfiguration.newBuilder()
        .setRequestBodyMode(request).setResponseBodyMode(response)).build();
  }

  /** {@code r} with an {@code envoy.lb.subset_hint} naming {@code endpoints}. */
  public static ProcessingRequest withSubset(ProcessingRequest r, String... endpoints) {
    ListValue.Builder list = ListValue.newBuilder();
    for (String e : endpoints) {
      list.addValues(Value.newBuilder().setStringValue(e));
    }
    return r.toBuilder().setMetadataContext(Metadata.newBuilder().putFilterMetadata("envoy.lb.subset_hint",
        Struct.newBuilder().putFields("x-gateway-destination-endpoint-subset",
            Value.newBuilder().setListValue(list).build()).build())).build();
  }

  // ---- response readers ----

  /** The value a header mutation sets for {@code key}, null if none. */
  public static String setHeader(io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation m, String key) {
    for (var h : m.getSetHeadersList()) {
      if (h.getHeader().getKey().equalsIgnoreCase(key)) {
        return h.getHeader().getRawValue().isEmpty() ? h.getHeader().getValue() : h.getHeader().getRawValue().toStringUtf8();
      }
    }
    return null;
  }

  /** The destination in the {@code envoy.lb} dynamic metadata, null if none. */
  public static String lbDestination(ProcessingResponse r) {
    Value ns = r.getDynamicMetadata().getFieldsMap().get("envoy.lb");
    if (ns == null) {
      return null;
    }
    Value v = ns.getStructValue().getFieldsMap().get("x-gateway-destination-endpoint");
    return v == null ? null : v.getStringValue();
  }
}
