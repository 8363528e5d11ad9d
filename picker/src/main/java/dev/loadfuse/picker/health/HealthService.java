package dev.loadfuse.picker.health;

import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.health.v1.HealthCheckRequest;
import io.vertx.grpc.health.v1.HealthCheckResponse;
import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * {@code grpc.health.v1.Health} ({@code Check} and {@code Watch}) as the reference picker answers
 * it: the overall service {@code ""} and {@code envoy.service.ext_proc.v3.ExternalProcessor} are
 * SERVING once endpoints are known and NOT_SERVING before; other names are NOT_FOUND. (Vert.x's
 * own health service reports {@code ""} as always SERVING, hence this small one.)
 */
public final class HealthService {

  public static final String EXT_PROC = "envoy.service.ext_proc.v3.ExternalProcessor";
  static final ServiceName HEALTH = ServiceName.create("grpc.health.v1", "Health");
  static final ServiceMethod<HealthCheckRequest, HealthCheckResponse> CHECK = ServiceMethod.server(
      HEALTH, "Check", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckRequest.newBuilder()));
  static final ServiceMethod<HealthCheckRequest, HealthCheckResponse> WATCH = ServiceMethod.server(
      HEALTH, "Watch", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckRequest.newBuilder()));
  private static final Set<String> SERVICES = Set.of("", EXT_PROC);
  private static final long WATCH_POLL_MILLIS = 500;

  private HealthService() {}

  /** A gRPC server answering health checks from {@code ready}. */
  public static GrpcServer server(Vertx vertx, BooleanSupplier ready) {
    GrpcServer server = GrpcServer.server(vertx);
    server.callHandler(CHECK, call -> call.handler(req -> {
      GrpcServerResponse<HealthCheckRequest, HealthCheckResponse> resp = call.response();
      if (!SERVICES.contains(req.getService())) {
        resp.status(GrpcStatus.NOT_FOUND).statusMessage("unknown service " + req.getService()).end();
        return;
      }
      resp.end(response(ready));
    }));
    server.callHandler(WATCH, call -> call.handler(req -> {
      GrpcServerResponse<HealthCheckRequest, HealthCheckResponse> resp = call.response();
      if (!SERVICES.contains(req.getService())) {
        resp.write(HealthCheckResponse.newBuilder().setStatus(ServingStatus.SERVICE_UNKNOWN).build());
        return;
      }
      ServingStatus[] last = {status(ready)};
      resp.write(HealthCheckResponse.newBuilder().setStatus(last[0]).build());
      long timer = vertx.setPeriodic(WATCH_POLL_MILLIS, id -> {
        ServingStatus now = status(ready);
        if (now != last[0]) {
          last[0] = now;
          resp.write(HealthCheckResponse.newBuilder().setStatus(now).build());
        }
      });
      call.errorHandler(e -> vertx.cancelTimer(timer));
      call.exceptionHandler(e -> vertx.cancelTimer(timer));
      call.endHandler(v -> {
        vertx.cancelTimer(timer);
        resp.end();
      });
    }));
    return server;
  }

  private static ServingStatus status(BooleanSupplier ready) {
    return ready.getAsBoolean() ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
  }

  private static HealthCheckResponse response(BooleanSupplier ready) {
    return HealthCheckResponse.newBuilder().setStatus(status(ready)).build();
  }
}
