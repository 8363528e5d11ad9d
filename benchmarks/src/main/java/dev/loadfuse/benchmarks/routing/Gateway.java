package dev.loadfuse.benchmarks.routing;

import com.google.protobuf.ByteString;
import dev.loadfuse.benchmarks.sim.SimClock;
import dev.loadfuse.benchmarks.sim.SimEngine;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Acts as Envoy with the picker's ext_proc filter (FULL_DUPLEX_STREAMED both ways): per request it
 * opens an ext_proc stream, sends the request headers and body, forwards the request to the
 * endpoint named by {@code x-gateway-destination-endpoint} with the body the picker returned,
 * then passes the response headers and every body chunk through the stream, and takes a chunk as
 * delivered to the client when the picker hands it back. Without a picker (round-robin) it
 * forwards to the engines in turn and takes chunks as they arrive.
 */
public final class Gateway implements AutoCloseable {

  private static final String DESTINATION = "x-gateway-destination-endpoint";
  private static final Pattern PROMPT = Pattern.compile("\"prompt_tokens\":(\\d+)");
  private static final Pattern COMPLETION = Pattern.compile("\"completion_tokens\":(\\d+)");
  private static final Pattern CACHED = Pattern.compile("\"cached_tokens\":(\\d+)");

  private final Vertx vertx = Vertx.vertx();
  private final HttpClient http;
  /**
   * ext_proc connections, streams spread over them in turn, as Envoy's workers each keep one.
   * FULL_DUPLEX_STREAMED keeps a request's stream open until its response ends; the picker's
   * server used to allow Vert.x's default of 100 concurrent streams per connection (now 10,000),
   * and with one connection requests beyond 100 in flight waited for a stream slot, a wait that
   * counted as picker latency (0.2-0.4 s real at 40 QPS, time x2). The figures in
   * benchmarks/README.md were measured with these 8 connections.
   */
  static final int EXT_PROC_CONNECTIONS = 8;

  private final List<ManagedChannel> channels;
  private final AtomicInteger nextChannel = new AtomicInteger();
  private final List<SimEngine> engines;
  private final Map<String, String> nameByHostPort = new HashMap<>();
  private final SimClock clock;
  private final AtomicInteger roundRobin = new AtomicInteger();

  public Gateway(int extProcPort, List<SimEngine> engines, SimClock clock) {
    this.engines = engines;
    this.clock = clock;
    for (SimEngine e : engines) {
      nameByHostPort.put("127.0.0.1:" + e.port(), e.name());
    }
    http = vertx.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1).setTcpNoDelay(true)
        .setKeepAlive(true), new PoolOptions().setHttp1MaxSize(1024));
    channels = new java.util.ArrayList<>();
    for (int i = 0; extProcPort >= 0 && i < EXT_PROC_CONNECTIONS; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", extProcPort).usePlaintext().flowControlWindow(4 << 20)
          .build());
    }
  }

  /**
   * Opens the ext_proc connections and runs the picker's request path a few times with bodies it
   * refuses (400), so connection setup and the first compilations are not timed. Engines see
   * nothing.
   */
  public void warmUp(int streams) throws Exception {
    if (channels.isEmpty()) {
      return;
    }
    for (int i = 0; i < streams; i++) {
      Outcome o = new Exchange(-1, new WorkItem("/v1/completions", "{\"warm-up\":true}", 1, "warm-up"), 0)
          .startAndGet();
      if (!o.error().startsWith("HTTP 400")) {
        throw new IllegalStateException("picker warm-up: expected a 400 refusal, got " + o);
      }
    }
  }

  /**
   * Sends {@code requests} small routed requests, {@code concurrency} at a time, so that a fresh
   * picker process has compiled its whole request path (parse, schedule, stream the response back)
   * before anything is timed. (Refused requests cannot do that in bulk: each ends in an HTTP/2
   * reset, and the picker's server closes a connection after 200 resets in 30 s.) The prompts are
   * shorter than one KV block, so they leave nothing in the engines' prefix caches or the picker's
   * prefix index; one output token each.
   */
  public void warmUpRouted(String model, int requests, int concurrency) throws Exception {
    if (channels.isEmpty()) {
      return;
    }
    for (int i = 0; i < requests; i += concurrency) {
      List<CompletableFuture<Outcome>> batch = new java.util.ArrayList<>();
      for (int j = i; j < Math.min(requests, i + concurrency); j++) {
        String body = "{\"model\":\"" + model + "\",\"prompt\":\"warm " + j + "\",\"max_tokens\":1,"
            + "\"stream\":true,\"stream_options\":{\"include_usage\":true}}";
        batch.add(send(-1, new WorkItem("/v1/completions", body, 1, "warm-up"), 0));
      }
      for (CompletableFuture<Outcome> f : batch) {
        Outcome o = f.get(30, TimeUnit.SECONDS);
        if (!o.ok()) {
          throw new IllegalStateException("picker warm-up: a routed request failed: " + o.error());
        }
      }
    }
  }

  /** Sends one request; the future completes when its response ended or it was refused. */
  public CompletableFuture<Outcome> send(int index, WorkItem item, double startSeconds) {
    Exchange x = new Exchange(index, item, startSeconds);
    if (channels.isEmpty()) {
      SimEngine e = engines.get(Math.floorMod(roundRobin.getAndIncrement(), engines.size()));
      x.forward("127.0.0.1", e.port(), Buffer.buffer(item.body()));
    } else {
      x.startExtProc();
    }
    return x.done;
  }

  private final class Exchange implements StreamObserver<ProcessingResponse> {
    final CompletableFuture<Outcome> done = new CompletableFuture<>();
    final int index;
    final WorkItem item;
    final double startSeconds;
    final long t0 = System.nanoTime();
    StreamObserver<ProcessingRequest> out;
    String destination;
    ByteString routedBody = ByteString.EMPTY;
    long pickerNanos;
    long firstTokenNanos;
    final StringBuilder tail = new StringBuilder();

    Exchange(int index, WorkItem item, double startSeconds) {
      this.index = index;
      this.item = item;
      this.startSeconds = startSeconds;
    }

    Outcome startAndGet() throws Exception {
      startExtProc();
      return done.get(20, TimeUnit.SECONDS);
    }

    void startExtProc() {
      ManagedChannel channel = channels.get(Math.floorMod(nextChannel.getAndIncrement(), channels.size()));
      out = ExternalProcessorGrpc.newStub(channel).process(this);
      byte[] body = item.body().getBytes(StandardCharsets.UTF_8);
      synchronized (this) {
        out.onNext(ProcessingRequest.newBuilder().setRequestHeaders(HttpHeaders.newBuilder().setHeaders(headers(
            ":method", "POST", ":path", item.path(), ":authority", "gateway", "content-type", "application/json",
            "x-request-id", "req-" + index, "content-length", Integer.toString(body.length)))).build());
        out.onNext(ProcessingRequest.newBuilder().setRequestBody(HttpBody.newBuilder()
            .setBody(ByteString.copyFrom(body)).setEndOfStream(true)).build());
      }
    }

    @Override
    public void onNext(ProcessingResponse r) {
      if (r.hasImmediateResponse()) {
        fail("HTTP " + r.getImmediateResponse().getStatus().getCodeValue() + ": "
            + r.getImmediateResponse().getBody().toStringUtf8());
      } else if (r.hasRequestHeaders()) {
        for (HeaderValueOption h : r.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList()) {
          if (DESTINATION.equals(h.getHeader().getKey())) {
            destination = h.getHeader().getRawValue().toStringUtf8().split(",", 2)[0];
          }
        }
      } else if (r.hasRequestBody()) {
        var streamed = r.getRequestBody().getResponse().getBodyMutation().getStreamedResponse();
        routedBody = routedBody.concat(streamed.getBody());
        if (streamed.getEndOfStream()) {
          pickerNanos = System.nanoTime() - t0;
          if (destination == null) {
            fail("picker answered without " + DESTINATION);
            return;
          }
          int colon = destination.lastIndexOf(':');
          forward(destination.substring(0, colon), Integer.parseInt(destination.substring(colon + 1)),
              Buffer.buffer(routedBody.toByteArray()));
        }
      } else if (r.hasResponseBody()) {
        var streamed = r.getResponseBody().getResponse().getBodyMutation().getStreamedResponse();
        delivered(streamed.getBody().toStringUtf8(), streamed.getEndOfStream());
      }
    }

    /** Bytes reached the client (through the picker, or straight from the engine). */
    void delivered(String chunk, boolean end) {
      long now = System.nanoTime();
      if (firstTokenNanos == 0 && chunk.contains(" tok")) {
        firstTokenNanos = now;
      }
      tail.append(chunk);
      if (tail.length() > 4096) {
        tail.delete(0, tail.length() - 4096);
      }
      if (end) {
        if (out != null) {
          synchronized (this) {
            out.onCompleted();
          }
        }
        String endpoint = nameByHostPort.getOrDefault(destination, destination);
        done.complete(new Outcome(index, item.group(), endpoint, startSeconds,
            clock.toSimSeconds((firstTokenNanos == 0 ? now : firstTokenNanos) - t0), clock.toSimSeconds(now - t0),
            find(PROMPT), find(CACHED), find(COMPLETION), pickerNanos / 1000.0, ""));
      }
    }

    private int find(Pattern p) {
      Matcher m = p.matcher(tail);
      int v = 0;
      while (m.find()) {
        v = Integer.parseInt(m.group(1));
      }
      return v;
    }

    void forward(String host, int port, Buffer body) {
      if (destination == null) {
        destination = host + ":" + port;
      }
      http.request(HttpMethod.POST, port, host, item.path())
          .compose(req -> req.putHeader("content-type", "application/json").send(body))
          .onSuccess(this::onResponse)
          .onFailure(t -> fail("forwarding to " + destination + ": " + t.getMessage()));
    }

    private void onResponse(HttpClientResponse resp) {
      if (out == null) {
        resp.handler(b -> delivered(b.toString(StandardCharsets.UTF_8), false));
        resp.endHandler(v -> {
          if (resp.statusCode() != 200) {
            fail("HTTP " + resp.statusCode() + " from " + destination + ": " + tail);
          } else {
            delivered("", true);
          }
        });
        return;
      }
      synchronized (this) {
        out.onNext(ProcessingRequest.newBuilder().setResponseHeaders(HttpHeaders.newBuilder().setHeaders(headers(
            ":status", Integer.toString(resp.statusCode()),
            "content-type", String.valueOf(resp.getHeader("content-type"))))).build());
      }
      resp.handler(b -> {
        synchronized (this) {
          out.onNext(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
              .setBody(ByteString.copyFrom(b.getBytes()))).build());
        }
      });
      resp.endHandler(v -> {
        synchronized (this) {
          out.onNext(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder().setEndOfStream(true)).build());
        }
        if (resp.statusCode() != 200) {
          fail("HTTP " + resp.statusCode() + " from " + destination);
        }
      });
    }

    void fail(String why) {
      if (out != null) {
        synchronized (this) {
          try {
            out.onCompleted();
          } catch (RuntimeException ignored) {
            // the stream already ended
          }
        }
      }
      String endpoint = destination == null ? "" : nameByHostPort.getOrDefault(destination, destination);
      done.complete(new Outcome(index, item.group(), endpoint, startSeconds, 0, clock.toSimSeconds(System.nanoTime() - t0),
          0, 0, 0, pickerNanos / 1000.0, why));
    }

    @Override
    public void onError(Throwable t) {
      fail("ext_proc stream failed: " + t);
    }

    @Override
    public void onCompleted() {
      if (!done.isDone()) {
        fail("ext_proc stream ended before the response did");
      }
    }
  }

  private static HeaderMap headers(String... keyValues) {
    HeaderMap.Builder m = HeaderMap.newBuilder();
    for (int i = 0; i < keyValues.length; i += 2) {
      m.addHeaders(HeaderValue.newBuilder().setKey(keyValues[i]).setRawValue(ByteString.copyFromUtf8(keyValues[i + 1])));
    }
    return m.build();
  }

  @Override
  public void close() {
    channels.forEach(ManagedChannel::shutdownNow);
    try {
      vertx.close().await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      // best effort at shutdown
    }
  }
}
