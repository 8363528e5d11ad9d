package dev.loadfuse.picker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.picker.metrics.ReadmeMetricsTest;
import dev.loadfuse.picker.server.PickerServer;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.FakeEngineServer;
import dev.loadfuse.picker.testing.FakeEngineServer.Format;
import dev.loadfuse.sidecar.SidecarOptions;
import dev.loadfuse.sidecar.SidecarVerticle;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Vertx;
import java.io.File;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The acceptance of the metrics: a real Prometheus server (Debian's {@code prometheus} package)
 * scrapes a running picker and a sidecar, and every metric name the README's upgrade table lists as
 * emitted is in its query API. Skipped, saying so, where no {@code prometheus} binary is on the PATH
 * ({@code .ci/run} installs it).
 */
class PrometheusScrapeTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static Path prometheusBinary() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path p = Path.of(dir, "prometheus");
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    return null;
  }

  @Test
  void prometheusFindsEveryListedMetric_onThePicker_andScrapesTheSidecar(@TempDir Path dir) throws Exception {
    Path binary = prometheusBinary();
    Assumptions.assumeTrue(binary != null,
        "no prometheus binary on the PATH (apt-get install prometheus): the Prometheus scrape test is skipped");
    Vertx vertx = Vertx.vertx();
    Process prometheus = null;
    try (FakeEngineServer vllm = FakeEngineServer.start(vertx, Format.VLLM).load(1, 2, 0.3)) {
      Path endpoints = dir.resolve("endpoints.yaml");
      Files.writeString(endpoints, "pool: {name: local-pool}\nendpoints:\n" + vllm.endpointEntry("vllm-0"));
      Path objects = dir.resolve("objects.yaml"); // a rewrite rule, so that its decisions are counted
      Files.writeString(objects, """
          apiVersion: inference.networking.x-k8s.io/v1alpha2
          kind: InferenceModelRewrite
          metadata: {name: to-served}
          spec:
            poolRef: {name: local-pool}
            rules:
            - matches: [{model: {type: Exact, value: m}}]
              targets: [{modelRewrite: served}]
          """);
      SidecarVerticle sidecar = new SidecarVerticle(new SidecarOptions().setEndpointsFile(endpoints.toString())
          .setGpuProbe(GpuProbeKind.NONE).setScrapeInterval(Duration.ofMillis(200)).setHttpHost("127.0.0.1").setHttpPort(0));
      vertx.deployVerticle(sidecar).await(30, TimeUnit.SECONDS);
      try (RunningPicker picker = RunningPicker.start("--endpoints-file", endpoints.toString(),
          "--objects-file", objects.toString(), "--secure-serving=false",
          "--grpc-port", "0", "--grpc-health-port", "0", "--metrics-port", "0", "--refresh-metrics-interval", "50ms")) {
        PickerServer server = picker.server;
        Await.until("the engine's vector", () -> server.datastore().all().length == 1
            && server.datastore().all()[0].vector() != null);
        sendRequests(server.grpcPort());

        int port;
        try (ServerSocket s = new ServerSocket(0)) {
          port = s.getLocalPort();
        }
        Path config = dir.resolve("prometheus.yml");
        Files.writeString(config, """
            global: {scrape_interval: 1s}
            scrape_configs:
            - job_name: picker
              static_configs: [{targets: ['127.0.0.1:%d']}]
            - job_name: sidecar
              static_configs: [{targets: ['127.0.0.1:%d']}]
            """.formatted(server.metricsPort(), sidecar.httpPort()));
        prometheus = new ProcessBuilder(binary.toString(), "--config.file=" + config,
            "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();

        Set<String> expected = new HashSet<>();
        for (var l : ReadmeMetricsTest.listed()) {
          expected.add(l.type().equals("histogram") ? l.name() + "_count" : l.name());
        }
        String api = "http://127.0.0.1:" + port + "/api/v1/";
        Set<String> seen = new HashSet<>();
        Set<String> upJobs = new HashSet<>();
        Await.until("Prometheus has every listed metric and both jobs up", Duration.ofSeconds(90), () -> {
          seen.clear();
          upJobs.clear();
          JsonNode names = get(api + "label/__name__/values");
          JsonNode up = get(api + "query?query=up");
          if (names == null || up == null) {
            return false;
          }
          names.get("data").forEach(n -> seen.add(n.asText()));
          up.get("data").get("result").forEach(r -> {
            if (r.get("value").get(1).asText().equals("1")) {
              upJobs.add(r.get("metric").get("job").asText());
            }
          });
          return seen.containsAll(expected) && upJobs.size() == 2;
        });
        assertThat(seen).containsAll(expected);
        assertThat(upJobs).containsExactlyInAnyOrder("picker", "sidecar");
        assertThat(seen).anyMatch(n -> n.startsWith("loadfuse_endpoint_"));
      }
    } finally {
      if (prometheus != null) {
        prometheus.destroy();
        prometheus.waitFor(10, TimeUnit.SECONDS);
      }
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  /** One routed and answered request, one refused (a body without a model): every per-request series exists. */
  private static void sendRequests(int grpcPort) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcPort).usePlaintext().build();
    try {
      try (EnvoyStream s = new EnvoyStream(channel)) {
        s.send(EnvoyStream.post("/v1/completions"))
            .send(EnvoyStream.requestBody("{\"model\":\"m\",\"prompt\":\"" + "a long enough prompt ".repeat(20) + "\"}", true));
        s.next();
        s.untilRequestBodyEnd();
        s.send(EnvoyStream.responseHeaders(true, ":status", "200"));
        s.next();
      }
      try (EnvoyStream s = new EnvoyStream(channel)) {
        s.send(EnvoyStream.post("/v1/completions")).send(EnvoyStream.requestBody("{\"prompt\":\"no model\"}", true));
        s.next();
      }
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static JsonNode get(String url) {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
      return r.statusCode() == 200 ? new ObjectMapper().readTree(r.body()) : null;
    } catch (java.io.IOException e) {
      return null; // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
