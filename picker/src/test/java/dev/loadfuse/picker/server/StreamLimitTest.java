package dev.loadfuse.picker.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.PickerFixture;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StreamLimitTest {

  /**
   * Envoy multiplexes a worker's ext_proc streams over one HTTP/2 connection, and each request
   * keeps its stream open until its response is done: with Vert.x's default limit of 100
   * concurrent streams the 101st request waited for one of the first 100 to finish.
   */
  @Test
  void moreThan100RequestsInFlightOnOneConnection_areAllServed(@TempDir Path dir) throws Exception {
    try (PickerFixture p = PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 1))) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", p.server.grpcPort()).usePlaintext().build();
      List<EnvoyStream> open = new ArrayList<>();
      try {
        for (int i = 0; i < 150; i++) { // requests whose bodies have not arrived yet: streams stay open
          open.add(new EnvoyStream(ch).send(EnvoyStream.post("/v1/completions")));
        }
        try (EnvoyStream s = new EnvoyStream(ch)) {
          s.send(EnvoyStream.requestHeaders(true, ":method", "GET", ":path", "/v1/models"));
          ProcessingResponse r = s.next(); // fails after 20 s if the stream was queued
          assertThat(EnvoyStream.setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(),
              "x-gateway-destination-endpoint")).isEqualTo("127.0.0.1:1");
        }
      } finally {
        open.forEach(EnvoyStream::cancel);
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }
}
