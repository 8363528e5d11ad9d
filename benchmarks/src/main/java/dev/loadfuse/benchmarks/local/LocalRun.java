package dev.loadfuse.benchmarks.local;

import dev.loadfuse.sidecar.SidecarOptions;
import dev.loadfuse.sidecar.SidecarVerticle;
import dev.loadfuse.sidecar.api.LoadBus;
import dev.loadfuse.sidecar.api.LoadVector;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The local run on a laptop: three fake model servers (vLLM, SGLang, Triton TensorRT-LLM
 * formats) on loopback, the sidecar scraping them with mock GPUs, its HTTP API, and a table of
 * the fused load vectors as they arrive on the event bus.
 *
 * <pre>java -jar benchmarks/target/benchmarks.jar ... (see README: Quick start)</pre>
 *
 * Arguments: {@code [seconds to run, default 20; 0 = until Ctrl-C] [mock GPU file]}.
 */
public final class LocalRun {

  private static final String[] GPUS = {
      "GPU-4f6a3c1e-8d2b-4e7a-9c15-0b3d2e1f7a01",
      "GPU-4f6a3c1e-8d2b-4e7a-9c15-0b3d2e1f7a02",
      "GPU-4f6a3c1e-8d2b-4e7a-9c15-0b3d2e1f7a03"};

  private LocalRun() {}

  public static void main(String[] args) throws Exception {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 20;
    Path mockGpus = Path.of(args.length > 1 ? args[1] : "config-examples/mock-gpus.yaml");
    if (!Files.isRegularFile(mockGpus)) {
      System.err.println("local run: mock GPU file " + mockGpus + " not found (run from the repository root, or pass its path)");
      System.exit(2);
    }
    Vertx vertx = Vertx.vertx();
    long start = System.nanoTime();
    StringBuilder endpoints = new StringBuilder("pool:\n  name: local-pool\nendpoints:\n");
    FakeEngine[] engines = FakeEngine.values();
    for (int i = 0; i < engines.length; i++) {
      FakeEngine engine = engines[i];
      int port = vertx.createHttpServer()
          .requestHandler(req -> req.response()
              .putHeader("content-type", "text/plain; version=0.0.4")
              .end(engine.pageAt((System.nanoTime() - start) / 1e9)))
          .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
      endpoints.append("  - name: ").append(engine.label()).append("-0\n")
          .append("    address: 127.0.0.1\n    port: ").append(port).append('\n')
          .append("    labels: {inference.networking.k8s.io/engine-type: ").append(engine.label()).append("}\n")
          .append("    gpus: [").append(GPUS[i]).append("]\n");
    }
    Path file = Files.createTempFile("loadfuse-endpoints", ".yaml");
    file.toFile().deleteOnExit();
    Files.writeString(file, endpoints);

    SidecarVerticle sidecar = new SidecarVerticle(new SidecarOptions().setEndpointsFile(file.toString())
        .setMockGpus(mockGpus.toString()).setHttpHost("127.0.0.1").setHttpPort(0));
    vertx.deployVerticle(sidecar).await(30, TimeUnit.SECONDS);
    int http = sidecar.httpPort();
    AtomicLong published = new AtomicLong();
    vertx.eventBus().<LoadVector>consumer(LoadBus.LOAD.name(), m -> published.incrementAndGet());

    System.out.println("loadfuse local run: 3 fake engines, sidecar with mock GPUs from " + mockGpus);
    System.out.println("  load vectors: http://127.0.0.1:" + http + "/v1/load   metrics: http://127.0.0.1:" + http + "/metrics");
    long end = seconds == 0 ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (System.nanoTime() < end) {
      Thread.sleep(2000);
      System.out.printf(Locale.ROOT, "%n%-10s %-20s %8s %8s %6s %6s %6s %s  (%d vectors published)%n",
          "endpoint", "engine", "waiting", "running", "kv", "gpu%", "temp", "health", published.get());
      for (LoadVector v : sidecar.vectors()) {
        var gpu = v.gpus().isEmpty() ? null : v.gpus().get(0);
        System.out.printf(Locale.ROOT, "%-10s %-20s %8.0f %8.0f %6.2f %6s %6s %s%n",
            v.endpoint().name(), v.engine(), v.waitingRequests(), v.runningRequests(), v.kvCacheUsage(),
            gpu == null || gpu.gpuUtilization().isEmpty() ? "-" : String.format(Locale.ROOT, "%.0f", gpu.gpuUtilization().getAsDouble() * 100),
            gpu == null || gpu.temperatureC().isEmpty() ? "-" : Integer.toString(gpu.temperatureC().getAsInt()),
            v.healthy() ? "healthy" : "UNHEALTHY: " + v.lastError());
      }
    }
    vertx.close().await(30, TimeUnit.SECONDS);
  }
}
