package dev.loadfuse.picker.server;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.withModes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.extproc.ExtProcLimits;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.PickerFixture;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attacks of issue 14 on the real ext_proc server (a real gRPC client over loopback), each
 * asserting a clear answer and that other requests are still served: too many streams, too many
 * connections, a silent stream, a message over the budget, an oversized and an undecodable
 * message, and the bind address.
 */
class AbuseLimitsTest {

  @TempDir Path dir;

  private PickerFixture picker(UnaryOperator<ExtProcLimits> limits) throws Exception {
    return PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 1), null, null,
        o -> o.setExtProcLimits(limits.apply(new ExtProcLimits())));
  }

  private static String immediate(ProcessingResponse r) {
    return r.getImmediateResponse().getStatus().getCodeValue() + " " + r.getImmediateResponse().getBody().toStringUtf8();
  }

  /** A header-only request is routed at once: the picker still serves. */
  private static void assertServed(EnvoyStream s) {
    s.send(EnvoyStream.requestHeaders(true, ":method", "GET", ":path", "/v1/models"));
    assertThat(EnvoyStream.setHeader(s.next().getRequestHeaders().getResponse().getHeaderMutation(),
        "x-gateway-destination-endpoint")).isEqualTo("127.0.0.1:1");
    s.close();
  }

  @Test
  void streamsOverTheOpenLimit_areAnswered503AtOnce_andServedAgainOnceOthersEnd() throws Exception {
    try (PickerFixture p = picker(l -> l.setMaxOpenStreams(3))) {
      List<EnvoyStream> idle = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        idle.add(p.stream().send(post("/v1/completions")));
      }
      Await.until("3 streams open", () -> p.server.extProc().openStreams().open() == 3);
      EnvoyStream over = p.stream().send(post("/v1/completions"));
      assertThat(immediate(over.next())).isEqualTo("503 inference error: ServiceUnavailable - ext_proc streams at the"
          + " picker's limit of 3 open (--max-open-streams); retry later");
      assertThat(over.awaitEnd().isOk()).isTrue();
      idle.getFirst().cancel();
      Await.until("a stream closed", () -> p.server.extProc().openStreams().open() == 2);
      assertServed(p.stream());
      idle.forEach(EnvoyStream::cancel);
      Await.until("every stream closed", () -> p.server.extProc().openStreams().open() == 0);
    }
  }

  @Test
  void connectionsOverTheLimit_areClosed_andTheFirstIsStillServed() throws Exception {
    try (PickerFixture p = picker(l -> l.setMaxConnections(1))) {
      assertServed(p.stream()); // the fixture's channel holds the one connection
      ManagedChannel second = NettyChannelBuilder.forAddress("127.0.0.1", p.server.grpcPort()).usePlaintext().build();
      try {
        EnvoyStream s = new EnvoyStream(second).send(post("/v1/completions"));
        Status status = s.awaitEnd();
        assertThat(status.isOk()).isFalse();
        assertThat(status.getDescription()).contains("GOAWAY"); // closed as it opened
      } finally {
        second.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertServed(p.stream());
    }
  }

  @Test
  void silentStream_isAnswered408_andTheStreamEnds() throws Exception {
    try (PickerFixture p = picker(l -> l.setRequestIdleTimeout(Duration.ofMillis(200)))) {
      EnvoyStream s = p.stream().send(post("/v1/completions"));
      assertThat(immediate(s.next())).isEqualTo("408 inference error: RequestTimeout - no ext_proc message for 200ms"
          + " while the request was read (--request-idle-timeout)");
      assertThat(s.awaitEnd().isOk()).isTrue();
      Await.until("the stream closed", () -> p.server.extProc().openStreams().open() == 0);
    }
  }

  /**
   * BUFFERED mode sends a whole body as one gRPC message, which the decoder holds whole before the
   * stream sees it: the budget counts its bytes as they arrive and refuses it before it is complete.
   */
  @Test
  void bufferedMessageOverTheBudget_isAnswered503BeforeItIsDecoded_andTheBudgetComesBack() throws Exception {
    try (PickerFixture p = PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 1), null, null,
        o -> o.setMaxBodyBytes(4 << 20).setExtProcLimits(new ExtProcLimits().setMaxBufferedBytes(1 << 20)))) {
      EnvoyStream s = p.stream().send(withModes(post("/v1/completions"), BodySendMode.BUFFERED, BodySendMode.NONE));
      assertThat(s.next().hasRequestHeaders()).isTrue(); // BUFFERED: headers answered at once
      s.send(requestBody("{\"model\":\"m\",\"prompt\":\"" + "x".repeat(3 << 20) + "\"}", true));
      String answer = immediate(s.next());
      assertThat(answer).startsWith("503 inference error: ServiceUnavailable - buffered bodies at the"
          + " picker's limit of 1Mi (--max-buffered-bytes); ");
      // Refused for one HTTP/2 frame's bytes on the way to the decoder, not for the decoded 3 MiB body.
      long refused = Long.parseLong(answer.replaceAll(".*; (\\d+) more bytes refused.*", "$1"));
      assertThat(refused).isLessThan(1 << 20);
      Await.until("the budget back to 0", () -> p.server.extProc().budget().used() == 0);
      assertServed(p.stream());
    }
  }

  @Test
  void messageOverTheGrpcLimit_isAnswered413WithAMessage() throws Exception {
    try (PickerFixture p = PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 1), null, null,
        o -> o.setMaxBodyBytes(1024))) {
      EnvoyStream s = p.stream().send(post("/v1/completions"));
      s.send(requestBody("x".repeat(2 << 20), true));
      assertThat(immediate(s.next())).matches("413 inference error: PayloadTooLarge - ext_proc message of \\d+ bytes"
          + " larger than the limit of 1049600 bytes \\(--max-body-bytes 1024 plus 1048576 for the rest of the message\\)");
      Await.until("the budget back to 0", () -> p.server.extProc().budget().used() == 0);
      assertServed(p.stream());
    }
  }

  @Test
  void undecodableMessage_isAnswered400WithAMessage() throws Exception {
    try (PickerFixture p = picker(l -> l)) {
      MethodDescriptor<byte[], ProcessingResponse> raw = MethodDescriptor.<byte[], ProcessingResponse>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName("envoy.service.ext_proc.v3.ExternalProcessor/Process")
          .setRequestMarshaller(new MethodDescriptor.Marshaller<>() {
            @Override
            public InputStream stream(byte[] value) {
              return new ByteArrayInputStream(value);
            }

            @Override
            public byte[] parse(InputStream stream) {
              throw new UnsupportedOperationException();
            }
          })
          .setResponseMarshaller(io.grpc.protobuf.ProtoUtils.marshaller(ProcessingResponse.getDefaultInstance()))
          .build();
      ClientCall<byte[], ProcessingResponse> call = p.channel.newCall(raw, CallOptions.DEFAULT);
      CompletableFuture<ProcessingResponse> answer = new CompletableFuture<>();
      call.start(new ClientCall.Listener<>() {
        @Override
        public void onMessage(ProcessingResponse message) {
          answer.complete(message);
        }

        @Override
        public void onClose(Status status, Metadata trailers) {
          answer.completeExceptionally(new AssertionError("closed without an answer: " + status));
        }
      }, new Metadata());
      call.request(1);
      call.sendMessage(new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 1, 2}); // a field longer than the message
      assertThat(immediate(answer.get(20, TimeUnit.SECONDS))).startsWith("400 inference error: BadRequest - undecodable"
          + " ext_proc message: ");
      call.cancel("done", null);
      assertServed(p.stream());
    }
  }

  /** Linux routes all of 127.0.0.0/8 to loopback: bound to 127.0.0.2, nothing answers on 127.0.0.1. */
  @Test
  void bindAddress_bindsEveryPortToThatAddressOnly() throws Exception {
    try (PickerFixture p = PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 1), null, null,
        o -> o.setBindAddress("127.0.0.2"))) {
      for (int port : new int[] {p.server.grpcPort(), p.server.grpcHealthPort(), p.server.metricsPort()}) {
        try (Socket ok = new Socket()) {
          ok.connect(new InetSocketAddress("127.0.0.2", port), 5_000);
        }
        assertThatThrownBy(() -> {
          try (Socket no = new Socket()) {
            no.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
          }
        }).as("port %d on 127.0.0.1", port).isInstanceOf(ConnectException.class);
      }
    }
  }
}
