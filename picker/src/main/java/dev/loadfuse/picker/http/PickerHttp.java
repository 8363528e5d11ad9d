package dev.loadfuse.picker.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.sidecar.api.LoadJson;
import dev.loadfuse.sidecar.api.LoadVector;
import io.vertx.core.Vertx;
import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The picker's HTTP endpoints on {@code --metrics-port}: {@code GET /metrics} (Prometheus text),
 * {@code GET /v1/endpoints} (every endpoint with its latest vector, in the sidecar's {@code
 * /v1/load} format, plus the picker's counters), {@code GET /healthz} and {@code GET /readyz}.
 */
public final class PickerHttp {

  private PickerHttp() {}

  public static Router router(Vertx vertx, Datastore datastore, PickerMetrics metrics) {
    return router(vertx, datastore, metrics, null);
  }

  /**
   * The same, {@code /metrics} and {@code /v1/endpoints} behind {@code auth} when not null
   * ({@code /healthz} and {@code /readyz} stay open for the kubelet's probes).
   */
  public static Router router(Vertx vertx, Datastore datastore, PickerMetrics metrics, Handler<RoutingContext> auth) {
    Router router = Router.router(vertx);
    if (auth != null) {
      router.get("/metrics").handler(auth);
      router.get("/v1/endpoints").handler(auth);
    }
    router.get("/metrics").handler(ctx -> ctx.response()
        .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
        .end(metrics.scrape()));
    router.get("/v1/endpoints").handler(ctx -> ctx.response()
        .putHeader("content-type", "application/json")
        .end(endpointsJson(datastore, System.currentTimeMillis())));
    router.get("/healthz").handler(ctx -> ctx.response().end("ok\n"));
    router.get("/readyz").handler(ctx -> {
      boolean ready = datastore.ready();
      ctx.response().setStatusCode(ready ? 200 : 503).end(ready ? "ready\n" : "no endpoints yet\n");
    });
    return router;
  }

  /** {@code {"endpoints":[{...vector..., "hostPort", "inFlight", "unreflected", "routable"}]}}. */
  public static String endpointsJson(Datastore datastore, long nowMillis) {
    ObjectNode root = LoadJson.MAPPER.createObjectNode();
    ArrayNode list = root.putArray("endpoints");
    EndpointState[] routable = datastore.routable();
    for (EndpointState s : datastore.all()) {
      LoadVector v = s.vector() != null ? s.vector() : LoadVector.unknown(s.id(), null);
      ObjectNode n = LoadJson.vector(list.addObject(), v, nowMillis);
      n.put("hostPort", s.hostPort());
      n.put("inFlight", s.inFlight());
      n.put("unreflected", s.unreflected());
      boolean r = false;
      for (EndpointState x : routable) {
        r |= x == s;
      }
      n.put("routable", r);
      ObjectNode labels = n.putObject("labels");
      s.labels().forEach(labels::put);
    }
    return LoadJson.write(root);
  }
}
