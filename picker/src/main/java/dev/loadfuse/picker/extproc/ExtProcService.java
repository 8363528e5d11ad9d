package dev.loadfuse.picker.extproc;

import dev.loadfuse.picker.PickerException;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.vertx.grpc.common.GrpcMessage;
import io.vertx.grpc.common.GrpcMessageDecoder;
import io.vertx.grpc.common.GrpcMessageEncoder;
import io.vertx.grpc.common.GrpcStatus;
import io.vertx.grpc.common.InvalidMessageException;
import io.vertx.grpc.common.InvalidMessagePayloadException;
import io.vertx.grpc.common.MessageSizeOverflowException;
import io.vertx.grpc.common.ServiceMethod;
import io.vertx.grpc.common.ServiceName;
import io.vertx.grpc.server.GrpcServer;
import io.vertx.grpc.server.GrpcServerOptions;
import io.vertx.grpc.server.GrpcServerResponse;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Envoy's {@code envoy.service.ext_proc.v3.ExternalProcessor/Process} on the Vert.x gRPC server,
 * declared without generated Vert.x stubs: one {@link ExtProcStream} per call, with its request
 * deadlines on Vert.x timers. A call over {@code --max-open-streams} is answered at once with an
 * ImmediateResponse 503 naming the limit; a message's bytes count in the buffer budget while the
 * decoder accumulates it ({@link DecoderBytes}); a message that cannot be decoded is answered 400,
 * one over the gRPC message limit 413, each with a message.
 */
public final class ExtProcService {

  public static final ServiceName SERVICE = ServiceName.create("envoy.service.ext_proc.v3", "ExternalProcessor");
  public static final ServiceMethod<ProcessingRequest, ProcessingResponse> PROCESS = ServiceMethod.server(
      SERVICE, "Process", GrpcMessageEncoder.encoder(), GrpcMessageDecoder.decoder(ProcessingRequest.newBuilder()));
  /** Room for the rest of a message around the largest body ({@link #maxMessageBytes}). */
  public static final int MESSAGE_OVERHEAD_BYTES = 1 << 20;

  private static final Logger LOG = Logger.getLogger(ExtProcService.class.getName());
  /** The decoder bytes of the call being set up: the HTTP handler and the call handler run on one thread, in turn. */
  private static final ThreadLocal<DecoderBytes> SETTING_UP = new ThreadLocal<>();

  private ExtProcService() {}

  /** The largest ext_proc message accepted: the body limit plus 1 MiB (BUFFERED mode sends the whole body in one). */
  public static long maxMessageBytes(ExtProcContext ctx) {
    return (long) ctx.maxBodyBytes() + MESSAGE_OVERHEAD_BYTES;
  }

  /** The HTTP request handler serving ext_proc with {@code ctx}: a gRPC server whose messages count in the budget. */
  public static Handler<HttpServerRequest> handler(Vertx vertx, ExtProcContext ctx) {
    return handler(vertx, ctx, maxMessageBytes(ctx), grpc -> {});
  }

  /**
   * The same, accepting messages up to {@code maxMessage} bytes ({@code --grpc-max-recv-msg-size}),
   * with {@code configure} adding services to the gRPC server (the static health service of
   * {@code --health-checking}).
   */
  public static Handler<HttpServerRequest> handler(Vertx vertx, ExtProcContext ctx, long maxMessage,
      java.util.function.Consumer<GrpcServer> configure) {
    GrpcServer grpc = server(vertx, ctx, maxMessage);
    configure.accept(grpc);
    return request -> {
      DecoderBytes decoder = new DecoderBytes(ctx.budget());
      SETTING_UP.set(decoder);
      try {
        grpc.handle(decoder.wrap(request));
      } finally {
        SETTING_UP.remove();
      }
    };
  }

  /** A gRPC server (an HTTP request handler) serving ext_proc with {@code ctx}. */
  public static GrpcServer server(Vertx vertx, ExtProcContext ctx) {
    return server(vertx, ctx, maxMessageBytes(ctx));
  }

  /** The same, accepting messages up to {@code maxMessage} bytes. */
  public static GrpcServer server(Vertx vertx, ExtProcContext ctx, long maxMessage) {
    GrpcServer server = GrpcServer.server(vertx, new GrpcServerOptions().setMaxMessageSize(maxMessage));
    StreamTimers timers = StreamTimers.of(vertx);
    server.callHandler(PROCESS, call -> {
      GrpcServerResponse<ProcessingRequest, ProcessingResponse> response = call.response();
      DecoderBytes inbound = SETTING_UP.get();
      DecoderBytes decoder = inbound != null ? inbound : new DecoderBytes(ctx.budget());
      if (!ctx.openStreams().tryOpen()) {
        decoder.stop();
        call.handler(m -> {});
        response.write(ErrorResponses.immediate(ctx.openStreams().refusal()));
        response.end();
        return;
      }
      boolean[] ended = new boolean[1];
      ExtProcStream[] self = new ExtProcStream[1];
      String[] code = {"OK"}; // gRPC's name of how the stream ended, for the stream metrics
      long opened = ctx.options().streamMetrics().started();
      Runnable over = () -> {
        if (!ended[0]) {
          ended[0] = true;
          ctx.options().streamMetrics().finished(code[0], opened);
          decoder.stop();
          ctx.openStreams().close();
        }
      };
      ExtProcStream stream = new ExtProcStream(ctx, new StreamSink() {
        @Override
        public void send(ProcessingResponse r) {
          if (ended[0]) {
            return;
          }
          if (r.getSerializedSize() > ctx.options().maxSendBytes()) { // as gRPC answers a message over its send limit
            code[0] = "ResourceExhausted";
            over.run();
            response.status(GrpcStatus.RESOURCE_EXHAUSTED).statusMessage("trying to send message larger than max ("
                + r.getSerializedSize() + " vs. " + ctx.options().maxSendBytes() + "; --grpc-max-send-msg-size)").end();
            self[0].onBroken();
            return;
          }
          response.write(r);
        }

        @Override
        public void end() {
          if (!ended[0]) {
            over.run();
            response.end();
          }
        }
      }, timers);
      self[0] = stream;
      decoder.onRefused(stream::refuse);
      // Decoded here, not by Vert.x, which resets the stream without a word on a message it cannot decode.
      call.messageHandler(message -> {
        ProcessingRequest m = decode(message, stream);
        if (m != null) {
          stream.onMessage(m);
        }
      });
      call.invalidMessageHandler(e -> stream.refuse(invalid(e, ctx, maxMessage)));
      call.endHandler(v -> stream.onClientEnd());
      call.errorHandler(error -> {
        code[0] = "Canceled";
        stream.onBroken();
        over.run();
      });
      call.exceptionHandler(t -> {
        if (LOG.isLoggable(Level.FINE)) {
          LOG.fine("ext_proc stream broke: " + t);
        }
        code[0] = "Canceled";
        stream.onBroken();
        over.run();
      });
      response.exceptionHandler(t -> {
        code[0] = "Canceled";
        stream.onBroken();
        over.run();
      });
    });
    return server;
  }

  /** The request in {@code message}; null (the stream refused with 400) when it is not one. */
  private static ProcessingRequest decode(GrpcMessage message, ExtProcStream stream) {
    if (!"identity".equals(message.encoding())) {
      stream.refuse(new PickerException(PickerException.Code.BAD_REQUEST, "ext_proc message compressed with "
          + message.encoding() + " (expected: identity)"));
      return null;
    }
    try {
      return ProcessingRequest.parseFrom(message.payload().getBytes());
    } catch (InvalidProtocolBufferException e) {
      stream.refuse(invalid(new InvalidMessagePayloadException(message, e), null, 0));
      return null;
    }
  }

  /** The answer to a message the decoder refused. */
  static PickerException invalid(InvalidMessageException e, ExtProcContext ctx, long maxMessage) {
    if (e instanceof MessageSizeOverflowException overflow) {
      String limit = maxMessage == maxMessageBytes(ctx)
          ? " (--max-body-bytes " + ctx.maxBodyBytes() + " plus " + MESSAGE_OVERHEAD_BYTES + " for the rest of the message)"
          : " (--grpc-max-recv-msg-size)";
      return new PickerException(PickerException.Code.PAYLOAD_TOO_LARGE, "ext_proc message of " + overflow.messageSize()
          + " bytes larger than the limit of " + maxMessage + " bytes" + limit);
    }
    Throwable cause = e.getCause() != null ? e.getCause() : e;
    return new PickerException(PickerException.Code.BAD_REQUEST, "undecodable ext_proc message: "
        + (cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName()));
  }
}
