package dev.loadfuse.benchmarks.sidecar;

import dev.loadfuse.benchmarks.engine.VllmPage;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Fake vLLM V1 model servers on loopback for the sidecar benchmarks: each serves the ~119 KB
 * {@link VllmPage} (four data-parallel engines, the V1 histogram families, LoRA and cache-config
 * info) at {@code /metrics}, with the {@code vllm:num_requests_waiting} value of its data-parallel
 * engine 0 settable ({@link #setWaiting}). The page of a server is a fixed prefix and suffix
 * around that value, so changing it costs one copy and serving it none.
 *
 * <p>As a program it is the engine side of {@code benchmarks/sidecar-footprint.sh}: it starts
 * {@code --count} servers, writes the endpoints file (one GPU per endpoint) and the matching mock
 * GPU file, prints one {@code ready} line, and moves every server's waiting count every {@code
 * --change-interval} (so that vectors change and are published, as under real load) until it is
 * killed.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.loadfuse.benchmarks.sidecar.FakeVllmFleet \
 *     --count 8 --endpoints-file /tmp/e.yaml --mock-gpus /tmp/g.yaml [--change-interval-ms 100]
 * </pre>
 */
public final class FakeVllmFleet implements AutoCloseable {

  /** The waiting counts of engines 1..3 in {@link VllmPage}; engine 0's is the settable one. */
  public static final long OTHER_ENGINES_WAITING = 5 + 10 + 15;

  private static final String WAITING_LINE = "vllm:num_requests_waiting{engine=\"0\",model_name=\"" + VllmPage.MODEL + "\"} ";

  private final Vertx vertx;
  private final List<HttpServer> servers = new ArrayList<>();
  private final byte[] prefix;
  private final byte[] suffix;
  private final AtomicReferenceArray<Page> pages;

  /** One version of a server's page, and when it was first served (0 until then). */
  private record Page(Buffer buffer, AtomicLong firstServedNanos) {}

  private FakeVllmFleet(Vertx vertx, int count) {
    this.vertx = vertx;
    byte[] page = VllmPage.build();
    String text = new String(page, StandardCharsets.UTF_8);
    int at = text.indexOf(WAITING_LINE);
    if (at < 0) {
      throw new IllegalStateException("VllmPage has no line starting with " + WAITING_LINE);
    }
    int valueStart = at + WAITING_LINE.length();
    int valueEnd = text.indexOf('\n', valueStart);
    prefix = Arrays.copyOfRange(page, 0, valueStart);
    suffix = Arrays.copyOfRange(page, valueEnd, page.length);
    pages = new AtomicReferenceArray<>(count);
    for (int i = 0; i < count; i++) {
      pages.set(i, page(0));
    }
  }

  /** Starts {@code count} servers on 127.0.0.1, ephemeral ports, on {@code vertx}. */
  public static FakeVllmFleet start(Vertx vertx, int count) {
    FakeVllmFleet fleet = new FakeVllmFleet(vertx, count);
    for (int i = 0; i < count; i++) {
      int index = i;
      HttpServer server = vertx.createHttpServer()
          .requestHandler(req -> {
            Page page = fleet.pages.get(index);
            page.firstServedNanos().compareAndSet(0, System.nanoTime());
            req.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .end(page.buffer());
          })
          .listen(0, "127.0.0.1").await();
      fleet.servers.add(server);
    }
    return fleet;
  }

  public int size() {
    return pages.length();
  }

  public int port(int server) {
    return servers.get(server).actualPort();
  }

  /** The size of a page (with a one-digit waiting count), in bytes. */
  public int pageBytes() {
    return prefix.length + 3 + suffix.length;
  }

  /**
   * Sets engine 0's {@code vllm:num_requests_waiting} on {@code server}; the sidecar then reads
   * {@code waiting + }{@link #OTHER_ENGINES_WAITING} (it sums data-parallel engines). Any thread;
   * the next response carries it.
   */
  public void setWaiting(int server, long waiting) {
    pages.set(server, page(waiting));
  }

  /**
   * When the page set by the last {@link #setWaiting} was first requested ({@link
   * System#nanoTime()}), or 0 if not yet.
   */
  public long firstServedNanos(int server) {
    return pages.get(server).firstServedNanos().get();
  }

  private Page page(long waiting) {
    byte[] value = String.format(Locale.ROOT, "%d.0", waiting).getBytes(StandardCharsets.US_ASCII);
    byte[] out = new byte[prefix.length + value.length + suffix.length];
    System.arraycopy(prefix, 0, out, 0, prefix.length);
    System.arraycopy(value, 0, out, prefix.length, value.length);
    System.arraycopy(suffix, 0, out, prefix.length + value.length, suffix.length);
    return new Page(Buffer.buffer(out), new AtomicLong());
  }

  /** The GPU UUID given to endpoint {@code i} in the files below. */
  public static String gpuUuid(int i) {
    return String.format(Locale.ROOT, "GPU-5e1dca7e-0000-4000-8000-%012d", i);
  }

  /** An endpoints file: {@code vllm-<i>} at each server, with one GPU each. */
  public void writeEndpointsFile(Path file) throws IOException {
    StringBuilder sb = new StringBuilder("pool:\n  name: bench-pool\nendpoints:\n");
    for (int i = 0; i < size(); i++) {
      sb.append("  - name: vllm-").append(i).append('\n')
          .append("    address: 127.0.0.1\n")
          .append("    port: ").append(port(i)).append('\n')
          .append("    labels: {inference.networking.k8s.io/engine-type: vllm}\n")
          .append("    gpus: [").append(gpuUuid(i)).append("]\n");
    }
    Files.writeString(file, sb);
  }

  /** A mock GPU file with one H100 per server whose readings move (so every sample differs). */
  public void writeMockGpus(Path file) throws IOException {
    StringBuilder sb = new StringBuilder("driverVersion: \"560.35.03\"\ngpus:\n");
    for (int i = 0; i < size(); i++) {
      sb.append("  - uuid: ").append(gpuUuid(i)).append('\n')
          .append("    name: NVIDIA H100 80GB HBM3\n")
          .append("    memoryTotalBytes: 85899345920\n")
          .append("    memoryReservedBytes: 536870912\n")
          .append("    memoryUsedBytes: {ramp: {from: 2147483648, to: 77309411328, durationSeconds: 600}}\n")
          .append("    gpuUtilization: {sine: {mean: 0.6, amplitude: 0.3, periodSeconds: ").append(20 + i).append("}}\n")
          .append("    memoryUtilization: {sine: {mean: 0.4, amplitude: 0.2, periodSeconds: ").append(20 + i).append("}}\n")
          .append("    powerWatts: {sine: {mean: 450, amplitude: 150, periodSeconds: ").append(20 + i).append("}}\n")
          .append("    powerLimitWatts: 700\n")
          .append("    temperatureC: {ramp: {from: 45, to: 70, durationSeconds: 600}}\n")
          .append("    energyJoules: {ramp: {from: 10000000, to: 10270000, durationSeconds: 600}}\n")
          .append("    throttleReasons: []\n")
          .append("    migEnabled: false\n");
    }
    Files.writeString(file, sb);
  }

  @Override
  public void close() {
    for (HttpServer s : servers) {
      s.close().await();
    }
  }

  public static void main(String[] args) throws Exception {
    int count = 8;
    Path endpoints = null;
    Path gpus = null;
    long changeMs = 100;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--count" -> count = Integer.parseInt(args[++i]);
        case "--endpoints-file" -> endpoints = Path.of(args[++i]);
        case "--mock-gpus" -> gpus = Path.of(args[++i]);
        case "--change-interval-ms" -> changeMs = Long.parseLong(args[++i]);
        default -> {
          System.err.println("fake vllm fleet: unknown argument " + args[i]
              + " (expected: --count N --endpoints-file F --mock-gpus G [--change-interval-ms MS])");
          System.exit(2);
        }
      }
    }
    if (endpoints == null || gpus == null) {
      System.err.println("fake vllm fleet: --endpoints-file and --mock-gpus are required");
      System.exit(2);
    }
    Vertx vertx = Vertx.vertx();
    FakeVllmFleet fleet = start(vertx, count);
    fleet.writeEndpointsFile(endpoints);
    fleet.writeMockGpus(gpus);
    int n = count;
    long[] tick = {0};
    if (changeMs > 0) {
      // Every server's queue moves on each tick, on its own phase: vectors change as under load.
      vertx.setPeriodic(changeMs, id -> {
        tick[0]++;
        for (int i = 0; i < n; i++) {
          fleet.setWaiting(i, (tick[0] + 3L * i) % 17);
        }
      });
    }
    System.out.println("ready: " + count + " fake vLLM servers, " + fleet.pageBytes() + " bytes per page, ports "
        + fleet.servers.stream().map(s -> String.valueOf(s.actualPort())).toList());
    System.out.flush();
    new java.util.concurrent.CountDownLatch(1).await(365, TimeUnit.DAYS);
  }
}
