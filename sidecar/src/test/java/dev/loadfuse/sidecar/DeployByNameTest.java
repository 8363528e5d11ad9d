package dev.loadfuse.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loadfuse.sidecar.api.LoadJson;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.launcher.application.HookContext;
import io.vertx.launcher.application.VertxApplication;
import io.vertx.launcher.application.VertxApplicationHooks;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar verticle embedded the Vert.x ways: deployed by class name with its JSON options as
 * the deployment config, and run by Vert.x's own launcher ({@link VertxApplication}, the successor
 * of {@code vertx run}) with {@code -conf FILE}; both without an NVIDIA driver, so the built-in
 * mock GPUs stand in (the default of a sidecar deployed by name).
 */
class DeployByNameTest {

  /** The first built-in mock GPU ({@code dev/loadfuse/nvml/mock/built-in-gpus.yaml}). */
  private static final String BUILT_IN_GPU = "GPU-00000000-0000-4000-8000-000000000001";

  @TempDir Path dir;
  private Vertx engines;
  private Vertx sidecarVertx;
  private Path endpoints;

  @BeforeEach
  void engine() throws Exception {
    engines = Vertx.vertx();
    byte[] page;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/metrics/vllm-v0-aibrix-runtime-doc.prom")) {
      page = in.readAllBytes();
    }
    int port = engines.createHttpServer().requestHandler(r -> r.response().end(Buffer.buffer(page)))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
    endpoints = Files.writeString(dir.resolve("endpoints.yaml"), """
        pool: {name: local-pool}
        endpoints:
          - {name: vllm-0, address: 127.0.0.1, port: %d, gpus: [%s]}
        """.formatted(port, BUILT_IN_GPU));
  }

  @AfterEach
  void close() throws Exception {
    if (sidecarVertx != null) {
      sidecarVertx.close().await(20, TimeUnit.SECONDS);
    }
    engines.close().await(20, TimeUnit.SECONDS);
  }

  private JsonObject config(int httpPort) {
    return new JsonObject().put("endpointsFile", endpoints.toString()).put("httpHost", "127.0.0.1")
        .put("httpPort", httpPort).put("scrapeInterval", "20ms")
        // No driver on a build machine: a path that does not exist keeps it so on one with a GPU.
        .put("nvmlLibrary", dir.resolve("no-libnvidia-ml.so.1").toString());
  }

  @Test
  void byClassName_withTheJsonConfig_servesVectorsWithTheBuiltInMockGpus() throws Exception {
    sidecarVertx = Vertx.vertx();
    int port = freePort();
    sidecarVertx.deployVerticle("dev.loadfuse.sidecar.SidecarVerticle", new DeploymentOptions().setConfig(config(port)))
        .await(30, TimeUnit.SECONDS);

    JsonNode v = awaitVector(port, e -> !e.get("engineSampleAgeMs").isNull() && e.get("gpus").size() == 1);
    assertThat(v.get("engine").asText()).isEqualTo("vllm");
    assertThat(v.get("waitingRequests").isNull()).isFalse();
    assertThat(v.at("/gpus/0/uuid").asText()).isEqualTo(BUILT_IN_GPU);
    assertThat(v.at("/gpus/0/gpuUtilization").asDouble()).isEqualTo(0.6);
  }

  @Test
  void byClassName_aBadConfig_failsTheDeploymentNamingTheKey() {
    sidecarVertx = Vertx.vertx();
    assertThatThrownBy(() -> sidecarVertx.deployVerticle("dev.loadfuse.sidecar.SidecarVerticle",
            new DeploymentOptions().setConfig(config(0).put("scrapeInterval", "often"))).await(30, TimeUnit.SECONDS))
        .hasMessage("scrapeInterval: \"often\" (expected: a number and a unit: ns, us, ms, s, m or h, e.g. 50ms)");
  }

  @Test
  void vertxLauncher_withConfFile_servesVectors() throws Exception {
    int port = freePort();
    Path conf = Files.writeString(dir.resolve("sidecar.json"), config(port).encodePrettily());
    CompletableFuture<Vertx> started = new CompletableFuture<>();
    VertxApplicationHooks hooks = new VertxApplicationHooks() {
      @Override
      public void afterVerticleDeployed(HookContext context) {
        started.complete(context.vertx());
      }

      @Override
      public void afterFailureToDeployVerticle(HookContext context, Throwable t) {
        started.completeExceptionally(t);
      }
    };
    int exit = new VertxApplication(new String[] {SidecarVerticle.class.getName(), "-conf", conf.toString()}, hooks)
        .launch();
    assertThat(exit).isZero();
    sidecarVertx = started.get(60, TimeUnit.SECONDS);

    JsonNode v = awaitVector(port, e -> !e.get("engineSampleAgeMs").isNull() && e.get("gpus").size() == 1);
    assertThat(v.get("name").asText()).isEqualTo("vllm-0");
    assertThat(v.at("/gpus/0/uuid").asText()).isEqualTo(BUILT_IN_GPU);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Polls GET /v1/load (bounded) until its one endpoint matches. */
  private static JsonNode awaitVector(int port, Predicate<JsonNode> condition) throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    String last = null;
    while (System.nanoTime() < deadline) {
      try {
        last = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/load")).build(),
            HttpResponse.BodyHandlers.ofString()).body();
        JsonNode eps = LoadJson.MAPPER.readTree(last).get("endpoints");
        if (eps.size() == 1 && condition.test(eps.get(0))) {
          return eps.get(0);
        }
      } catch (java.io.IOException notYet) {
        // not listening yet
      }
      Thread.sleep(20);
    }
    throw new AssertionError("no matching vector within 30 s; last /v1/load: " + last);
  }
}
