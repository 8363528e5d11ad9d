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

/**
 * {@code grpc.health.v1.Health} ({@code Check} and {@code Watch}). {@link #server} is the health
 * port, answering from a {@link HealthState} as the reference picker does (any service name
 * without leader election; {@code liveness} and {@code readiness} with it). {@link #addStatic} is
 * {@code --health-checking} on the ext_proc port: {@code ""} and {@value #EXT_PROC} always
 * SERVING, other names NOT_FOUND, as grpc-go's health server the reference registers there.
 */
public final class HealthService {

  public static final String EXT_PROC = "envoy.service.ext_proc.v3.ExternalProcessor";
  static final ServiceName HEALTH = ServiceName.create("grpc.health.v1", "Health");
  static final ServiceMethod<HealthCheckRequest, HealthCheckResponse> CHECK = ServiceMethod.server(
      HEALTH, "Check", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckRequest.newBuilder()));
  static final ServiceMethod<HealthCheckRequest, HealthCheckResponse> WATCH = ServiceMethod.server(
      HEALTH, "Watch", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(HealthCheckRequest.newBuilder()));
  private static final Set<String> STATIC_SERVICES = Set.of("", EXT_PROC);
  private static final long WATCH_POLL_MILLIS = 500;

  private HealthService() {}

  /** A gRPC server answering health checks from {@code state}. */
  public static GrpcServer server(Vertx vertx, HealthState state) {
    GrpcServer server = GrpcServer.server(vertx);
    server.callHandler(CHECK, call -> call.handler(req ->
        call.response().end(response(state.status(req.getService())))));
    server.callHandler(WATCH, call -> call.handler(req -> {
      GrpcServerResponse<HealthCheckRequest, HealthCheckResponse> resp = call.response();
      ServingStatus[] last = {state.status(req.getService())};
      resp.write(response(last[0]));
      long timer = vertx.setPeriodic(WATCH_POLL_MILLIS, id -> {
        ServingStatus now = state.status(req.getService());
        if (now != last[0]) {
          last[0] = now;
          resp.write(response(now));
        }
      });
      // The client half-closes right after its request; the stream lasts until it cancels.
      call.errorHandler(e -> vertx.cancelTimer(timer));
      call.exceptionHandler(e -> vertx.cancelTimer(timer));
      resp.exceptionHandler(e -> vertx.cancelTimer(timer));
    }));
    return server;
  }

  /** Adds the static health service of {@code --health-checking} to {@code server} (the ext_proc port's). */
  public static void addStatic(GrpcServer server) {
    server.callHandler(CHECK, call -> call.handler(req -> {
      if (!STATIC_SERVICES.contains(req.getService())) {
        call.response().status(GrpcStatus.NOT_FOUND).statusMessage("unknown service").end();
        return;
      }
      call.response().end(response(ServingStatus.SERVING));
    }));
  }

  private static HealthCheckResponse response(ServingStatus status) {
    return HealthCheckResponse.newBuilder().setStatus(status).build();
  }
}
