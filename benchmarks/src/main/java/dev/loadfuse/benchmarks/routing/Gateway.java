package dev.loadfuse.benchmarks.routing;

import com.google.protobuf.ByteString;
import dev.loadfuse.benchmarks.sim.SimClock;
import dev.loadfuse.benchmarks.sim.SimEngine;
import io.envoyproxy.envoy.service.ext_proc.v3.ExternalProcessorGrpc;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpBody;
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
      // Answers are handled on the transport's thread and nothing is buffered for retries, as in
      // Envoy's ext_proc client: fewer thread hops between the picker's answer and its timestamp.
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", extProcPort).usePlaintext().flowControlWindow(4 << 20)
          .directExecutor().disableRetry().build());
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
   * Runs {@code items} (requests of the measured workload's shape, from another seed),
   * {@code concurrency} at a time, through the picker's whole path (parse, schedule, stream a
   * response back) without the engines: the gateway answers each routed request itself with a
   * canned SSE stream of the item's length, as the engine would. A fresh picker process has then
   * compiled the code the measured requests take, long prompts and prefix matches included, before
   * anything is timed, and the engines' queues and caches are untouched. The picker's prefix index
   * keeps blocks of these prompts, which no measured prompt shares (other random text), so they only
   * take LRU room that the measured requests reclaim. (Refused requests cannot warm in bulk: each
   * ends in an HTTP/2 reset, and the picker's server closes a connection after 200 resets in 30 s.)
   */
  public void warmUpPicker(List<WorkItem> items, int concurrency) throws Exception {
    if (channels.isEmpty()) {
      return;
    }
    for (int i = 0; i < items.size(); i += concurrency) {
      List<CompletableFuture<Outcome>> batch = new java.util.ArrayList<>();
      for (int j = i; j < Math.min(items.size(), i + concurrency); j++) {
        Exchange x = new Exchange(-1, items.get(j), 0);
        x.answerLocally = true;
        x.startExtProc();
        batch.add(x.done);
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
    /** Answer with a canned response instead of forwarding to the engine (warm-up). */
    boolean answerLocally;
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
        out.onNext(ExtProcMessages.requestHeaders(item, "req-" + index, body.length));
        out.onNext(ExtProcMessages.requestBody(body));
      }
    }

    @Override
    public void onNext(ProcessingResponse r) {
      if (r.hasImmediateResponse()) {
        fail("HTTP " + r.getImmediateResponse().getStatus().getCodeValue() + ": "
            + r.getImmediateResponse().getBody().toStringUtf8());
      } else if (r.hasRequestHeaders()) {
        String d = ExtProcMessages.destination(r);
        if (d != null) {
          destination = d;
        }
      } else if (r.hasRequestBody()) {
        var streamed = r.getRequestBody().getResponse().getBodyMutation().getStreamedResponse();
        routedBody = routedBody.concat(streamed.getBody());
        if (streamed.getEndOfStream()) {
          pickerNanos = System.nanoTime() - t0;
          if (destination == null) {
            fail("picker answered without " + ExtProcMessages.DESTINATION);
            return;
          }
          if (answerLocally) {
            answerLocally();
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
        out.onNext(ExtProcMessages.responseHeaders(resp.statusCode(), String.valueOf(resp.getHeader("content-type")),
            false));
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

    /**
     * Passes a canned engine response through the picker: SSE events of {@link SimEngine#TOKENS_PER_EVENT}
     * tokens as the simulator writes them, then the usage chunk and {@code [DONE]}.
     */
    private void answerLocally() {
      boolean chat = item.path().endsWith("/chat/completions");
      String envelope = "{\"id\":\"cmpl-warm-up\",\"object\":\"" + (chat ? "chat.completion.chunk" : "text_completion")
          + "\",\"model\":\"warm-up\",";
      synchronized (this) {
        out.onNext(ExtProcMessages.responseHeaders(200, "text/event-stream", false));
        for (int sent = 0; sent < item.outputTokens(); ) {
          int n = sent == 0 ? 1 : Math.min(SimEngine.TOKENS_PER_EVENT, item.outputTokens() - sent);
          sent += n;
          String text = (chat ? "\"delta\":{\"content\":\"" : "\"text\":\"") + " tok".repeat(n) + (chat ? "\"}" : "\"");
          String event = "data: " + envelope + "\"choices\":[{\"index\":0," + text
              + ",\"finish_reason\":" + (sent == item.outputTokens() ? "\"length\"" : "null") + "}]}\n\n";
          out.onNext(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
              .setBody(ByteString.copyFromUtf8(event))).build());
        }
        String usage = "data: " + envelope + "\"choices\":[],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":"
            + item.outputTokens() + ",\"total_tokens\":" + (item.outputTokens() + 1)
            + ",\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\ndata: [DONE]\n\n";
        out.onNext(ProcessingRequest.newBuilder().setResponseBody(HttpBody.newBuilder()
            .setBody(ByteString.copyFromUtf8(usage)).setEndOfStream(true)).build());
      }
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
