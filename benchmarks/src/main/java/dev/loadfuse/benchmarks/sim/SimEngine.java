package dev.loadfuse.benchmarks.sim;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One simulated model server: an OpenAI-compatible HTTP server ({@code POST /v1/completions},
 * {@code POST /v1/chat/completions}, streaming SSE with a final usage chunk, or one JSON answer)
 * and {@code GET /metrics} in its engine's format, in front of an {@link EngineModel} that a
 * dedicated thread steps in scaled time. Every request generates exactly {@code max_tokens} tokens.
 *
 * <p>Streamed tokens are written in SSE events of up to {@link #TOKENS_PER_EVENT} tokens (the first
 * token at once) to keep the whole system on two cores; clients time the first token exactly and
 * the rest per event.
 */
public final class SimEngine implements AutoCloseable {

  /** Tokens coalesced into one SSE event after the first. */
  public static final int TOKENS_PER_EVENT = 8;

  private static final ObjectMapper JSON = new ObjectMapper();

  private final String name;
  private final EngineModel model;
  private final SimClock clock;
  private final Object lock = new Object();
  private final Thread stepper;
  private final AtomicLong ids = new AtomicLong();
  private volatile boolean closed;
  private HttpServer server;

  private SimEngine(String name, EngineProfile profile, SimClock clock) {
    this.name = name;
    this.model = new EngineModel(profile);
    this.clock = clock;
    this.stepper = Thread.ofPlatform().daemon().name("sim-" + name).unstarted(this::run);
  }

  /** Starts an engine listening on loopback (port 0 = any free port). */
  public static Future<SimEngine> start(Vertx vertx, String name, EngineProfile profile, SimClock clock, int port) {
    SimEngine e = new SimEngine(name, profile, clock);
    return vertx.createHttpServer(new HttpServerOptions().setTcpNoDelay(true).setHttp2ClearTextEnabled(false))
        .requestHandler(e::handle).listen(port, "127.0.0.1").map(s -> {
          e.server = s;
          e.stepper.start();
          return e;
        });
  }

  public String name() {
    return name;
  }

  public int port() {
    return server.actualPort();
  }

  public EngineProfile profile() {
    return model.profile();
  }

  public SimClock clock() {
    return clock;
  }

  public EngineModel.Snapshot snapshot() {
    synchronized (lock) {
      return model.snapshot();
    }
  }

  /** Throttles (factor < 1) or restores the simulated GPU from the next step on. */
  public void speedFactor(double factor) {
    synchronized (lock) {
      model.speedFactor(factor);
    }
  }

  /** Queues requests directly (tests, and the HTTP handler), all before the next step. */
  public void submit(SimRequest... requests) {
    synchronized (lock) {
      for (SimRequest r : requests) {
        model.submit(r);
      }
      lock.notifyAll();
    }
  }

  private void run() {
    while (!closed) {
      EngineModel.Step step;
      synchronized (lock) {
        step = model.step();
        if (step == null) {
          try {
            lock.wait(50);
          } catch (InterruptedException e) {
            return;
          }
          continue;
        }
      }
      long until = System.nanoTime() + clock.toRealNanos(step.seconds());
      for (long left; (left = until - System.nanoTime()) > 0 && !closed; ) {
        LockSupport.parkNanos(left);
      }
      for (SimRequest r : step.advanced()) {
        r.sink.onTokens(r, 1, step.finished().contains(r));
      }
    }
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    if ("/metrics".equals(path)) {
      req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
          .end(MetricsPages.render(snapshot(), System.currentTimeMillis() / 1000.0));
    } else if ("/health".equals(path)) {
      req.response().end();
    } else if ("POST".equals(req.method().name())
        && ("/v1/completions".equals(path) || "/v1/chat/completions".equals(path))) {
      req.body().onSuccess(body -> generate(req, body, path.endsWith("chat/completions")));
    } else {
      req.response().setStatusCode(404).end("not found: " + req.method() + " " + path + "\n");
    }
  }

  private void generate(HttpServerRequest req, Buffer body, boolean chat) {
    HttpServerResponse resp = req.response();
    try {
      CompletionRequest ask = CompletionRequest.parse(body.getBytes(), chat);
      String id = (chat ? "chatcmpl-" : "cmpl-") + name + "-" + ids.incrementAndGet();
      SimRequest r = ask.toSimRequest(profile(), new Writer(resp, id, ask.model(), chat, ask.stream()));
      if (ask.stream()) {
        resp.setChunked(true).putHeader("content-type", "text/event-stream");
      }
      submit(r);
    } catch (IllegalArgumentException e) {
      error(resp, 400, e.getMessage());
    }
  }

  private static void error(HttpServerResponse resp, int status, String message) {
    ObjectNode err = JSON.createObjectNode();
    err.putObject("error").put("message", message).put("type", "BadRequestError").put("code", status);
    resp.setStatusCode(status).putHeader("content-type", "application/json").end(err.toString());
  }

  /** Writes a request's tokens to its HTTP response as the steps produce them. */
  private static final class Writer implements SimRequest.Sink {
    private final HttpServerResponse resp;
    private final String id;
    private final String model;
    private final boolean chat;
    private final boolean stream;
    private int pending;
    private boolean first = true;

    Writer(HttpServerResponse resp, String id, String model, boolean chat, boolean stream) {
      this.resp = resp;
      this.id = id;
      this.model = model;
      this.chat = chat;
      this.stream = stream;
    }

    @Override
    public void onTokens(SimRequest r, int newTokens, boolean finished) {
      pending += newTokens;
      if (!stream) {
        if (finished) {
          ObjectNode o = envelope();
          ObjectNode choice = o.putArray("choices").addObject().put("index", 0).put("finish_reason", "length");
          if (chat) {
            choice.putObject("message").put("role", "assistant").put("content", " tok".repeat(r.generated()));
          } else {
            choice.put("text", " tok".repeat(r.generated()));
          }
          usage(o, r);
          resp.putHeader("content-type", "application/json").end(o.toString());
        }
        return;
      }
      if (first || pending >= TOKENS_PER_EVENT || finished) {
        StringBuilder out = new StringBuilder(256);
        out.append("data: ").append(tokenEvent(" tok".repeat(pending), finished ? "length" : null)).append("\n\n");
        pending = 0;
        first = false;
        if (finished) {
          ObjectNode u = envelope();
          u.putArray("choices");
          usage(u, r);
          out.append("data: ").append(u).append("\n\ndata: [DONE]\n\n");
          resp.end(out.toString());
        } else {
          resp.write(out.toString());
        }
      }
    }

    private String tokenEvent(String text, String finishReason) {
      ObjectNode o = envelope();
      ObjectNode choice = o.putArray("choices").addObject().put("index", 0);
      if (chat) {
        choice.putObject("delta").put("content", text);
      } else {
        choice.put("text", text);
      }
      if (finishReason == null) {
        choice.putNull("finish_reason");
      } else {
        choice.put("finish_reason", finishReason);
      }
      return o.toString();
    }

    private ObjectNode envelope() {
      ObjectNode o = JSON.createObjectNode();
      o.put("id", id).put("object", chat ? (stream ? "chat.completion.chunk" : "chat.completion") : "text_completion")
          .put("model", model);
      return o;
    }

    private static void usage(ObjectNode o, SimRequest r) {
      ObjectNode u = o.putObject("usage");
      u.put("prompt_tokens", r.promptTokens()).put("completion_tokens", r.generated())
          .put("total_tokens", r.promptTokens() + r.generated());
      u.putObject("prompt_tokens_details").put("cached_tokens", r.cachedTokens());
    }
  }

  @Override
  public void close() {
    closed = true;
    stepper.interrupt();
    if (server != null) {
      server.close();
    }
  }
}
