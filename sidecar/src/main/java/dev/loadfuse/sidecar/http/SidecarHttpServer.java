package dev.loadfuse.sidecar.http;

import dev.loadfuse.sidecar.SidecarVerticle;
import dev.loadfuse.sidecar.api.LoadJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

/**
 * The sidecar's HTTP API: {@code GET /v1/load} (every endpoint's fused load as JSON), {@code GET
 * /metrics} (Prometheus), {@code GET /healthz} (the process answers) and {@code GET /readyz}
 * (200 once the first endpoint discovery and the first GPU probe have run, else 503).
 */
public final class SidecarHttpServer {

  public static final String PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private SidecarHttpServer() {}

  public static Future<HttpServer> start(Vertx vertx, SidecarVerticle sidecar, String host, int port) {
    Router router = Router.router(vertx);
    router.get("/v1/load").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json")
        .end(LoadJson.endpoints(sidecar.vectors(), System.currentTimeMillis())));
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", PROMETHEUS_CONTENT_TYPE)
        .end(sidecar.metrics().scrape()));
    router.get("/healthz").handler(ctx -> ctx.response().putHeader("content-type", "text/plain").end("ok\n"));
    router.get("/readyz").handler(ctx -> {
      boolean ready = sidecar.ready();
      ctx.response()
          .setStatusCode(ready ? 200 : 503)
          .putHeader("content-type", "text/plain")
          .end(ready ? "ready\n" : "not ready: waiting for the first endpoint discovery and GPU probe\n");
    });
    return vertx.createHttpServer().requestHandler(router).listen(port, host);
  }
}
