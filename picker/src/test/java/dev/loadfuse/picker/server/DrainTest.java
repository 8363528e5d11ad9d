package dev.loadfuse.picker.server;

import static dev.loadfuse.picker.testing.EnvoyStream.requestHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.PickerFixture;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --drain-timeout}: health NOT_SERVING first, ext_proc serving through the window, then closed. */
class DrainTest {

  private static ServingStatus health(PickerFixture p, String service) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", p.server.grpcHealthPort()).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static String destination(ProcessingResponse r) {
    return r.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersList().stream()
        .filter(h -> h.getHeader().getKey().equals("x-gateway-destination-endpoint"))
        .map(h -> h.getHeader().getRawValue().toStringUtf8()).findFirst().orElse(null);
  }

  @Test
  void drain_healthGoesNotServingFirst_streamsOpenBeforeAndDuringTheWindowAreServed_thenThePortCloses(@TempDir Path dir)
      throws Exception {
    try (PickerFixture p = PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 8000))) {
      assertThat(health(p, "inference-extension")).isEqualTo(ServingStatus.SERVING);
      try (EnvoyStream before = p.stream()) {
        var drained = p.server.drain(Duration.ofSeconds(5));
        assertThat(health(p, "inference-extension")).isEqualTo(ServingStatus.NOT_SERVING);
        before.send(requestHeaders(true, ":method", "GET", ":path", "/v1/models", "x-request-id", "before"));
        assertThat(destination(before.next())).as("a stream opened before SIGTERM").isEqualTo("127.0.0.1:8000");
        try (EnvoyStream during = p.stream()) {
          during.send(requestHeaders(true, ":method", "GET", ":path", "/v1/models", "x-request-id", "during"));
          assertThat(destination(during.next())).as("a stream opened in the window").isEqualTo("127.0.0.1:8000");
        }
        before.halfClose();
        before.awaitEnd();
        drained.await(30, TimeUnit.SECONDS);
      }
      ManagedChannel fresh = NettyChannelBuilder.forAddress("127.0.0.1", p.server.grpcPort()).usePlaintext().build();
      try (EnvoyStream after = new EnvoyStream(fresh)) {
        after.send(requestHeaders(true, ":method", "GET", ":path", "/v1/models"));
        assertThat(after.awaitEnd().getCode()).as("after the drain").isEqualTo(Status.Code.UNAVAILABLE);
      } finally {
        fresh.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
