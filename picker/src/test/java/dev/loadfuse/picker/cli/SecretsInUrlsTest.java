package dev.loadfuse.picker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.common.testing.Await;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The attack run found a token of an endpoint's metrics path echoed in {@code lastError} on the
 * picker's {@code /v1/endpoints}: a model server behind a token, answering 401, must show up as
 * failing without the token.
 */
class SecretsInUrlsTest {

  @Test
  void aTokenInTheMetricsPath_isRedactedOnV1EndpointsAndMetrics(@TempDir Path dir) throws Exception {
    Vertx engines = Vertx.vertx();
    try {
      int port = engines.createHttpServer().requestHandler(req -> req.response().setStatusCode(401).end())
          .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
      Path file = Files.writeString(dir.resolve("endpoints.yaml"), """
          pool: {name: local-pool}
          endpoints:
            - {name: vllm-0, address: 127.0.0.1, port: %d, metricsPath: "/metrics?token=s3cr3t-t0ken"}
          """.formatted(port));
      try (RunningPicker picker = RunningPicker.start("--endpoints-file", file.toString(), "--secure-serving=false",
          "--grpc-port", "0", "--grpc-health-port", "0", "--metrics-port", "0", "--gpu-probe", "none",
          "--refresh-metrics-interval", "20ms")) {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        URI endpoints = URI.create("http://127.0.0.1:" + picker.server.metricsPort() + "/v1/endpoints");
        String body = Await.value("a scrape error on /v1/endpoints",
            () -> http.send(HttpRequest.newBuilder(endpoints).build(), HttpResponse.BodyHandlers.ofString()).body(),
            b -> b.contains("HTTP 401"));
        assertThat(body).contains("/metrics?token=<redacted>").doesNotContain("s3cr3t");
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + picker.server.metricsPort()
            + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).doesNotContain("s3cr3t");
        assertThat(picker.err.toString()).doesNotContain("s3cr3t");
      }
    } finally {
      engines.close().await(10, TimeUnit.SECONDS);
    }
  }
}
