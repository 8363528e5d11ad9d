package dev.loadfuse.picker.extproc;

import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.vertx.core.Vertx;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's {@code envoy.service.ext_proc.v3.ExternalProcessor/Process} on the Vert.x gRPC server,
 * declared without generated Vert.x stubs: one {@link ExtProcStream} per call.
 */
public final class ExtProcService {

  public static final ServiceName SERVICE = ServiceName.create("envoy.service.ext_proc.v3", "ExternalProcessor");
  public static final ServiceMethod<ProcessingRequest, ProcessingResponse> PROCESS = ServiceMethod.server(
      SERVICE, "Process", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(ProcessingRequest.newBuilder()));

  private static final Logger LOG = Logger.getLogger(ExtProcService.class.getName());

  private ExtProcService() {}

  /**
   * A gRPC server (an HTTP request handler) serving ext_proc with {@code ctx}. Messages up to the
   * body limit plus 1 MiB are accepted (BUFFERED mode sends the whole body in one message).
   */
  public static GrpcServer server(Vertx vertx, ExtProcContext ctx) {
    long maxMessage = (long) ctx.maxBodyBytes() + (1 << 20);
    GrpcServer server = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(maxMessage));
    server.callHandler(PROCESS, call -> {
      GrpcServerResponse<ProcessingRequest, ProcessingResponse> response = call.response();
      boolean[] ended = new boolean[1];
      ExtProcStream stream = new ExtProcStream(ctx, new StreamSink() {
        @Override
        public void send(ProcessingResponse r) {
          if (!ended[0]) {
            response.write(r);
          }
        }

        @Override
        public void end() {
          if (!ended[0]) {
            ended[0] = true;
            response.end();
          }
        }
      });
      call.handler(stream::onMessage);
      call.invalidMessageHandler(e -> stream.onInvalidMessage(String.valueOf(e.getMessage())));
      call.endHandler(v -> stream.onClientEnd());
      call.errorHandler(error -> stream.onBroken());
      call.exceptionHandler(t -> {
        if (LOG.isLoggable(Level.FINE)) {
          LOG.fine("ext_proc stream broke: " + t);
        }
        stream.onBroken();
      });
      response.exceptionHandler(t -> stream.onBroken());
    });
    return server;
  }
}
