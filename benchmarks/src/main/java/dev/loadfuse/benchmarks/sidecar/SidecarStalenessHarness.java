package dev.loadfuse.benchmarks.sidecar;

import dev.loadfuse.sidecar.SidecarOptions;
import dev.loadfuse.sidecar.SidecarVerticle;
import dev.loadfuse.sidecar.api.LoadBus;
import dev.loadfuse.sidecar.api.LoadVector;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Staleness of the sidecar: how long after an engine's metrics change the change is on the event
 * bus. Embeds {@link SidecarVerticle} (file discovery, mock GPUs sampled every 100 ms, the built-in
 * vLLM mapping) scraping {@link FakeVllmFleet} servers with ~119 KB pages; then, one at a time,
 * sets a server's {@code vllm:num_requests_waiting} to a new value at a recorded {@link
 * System#nanoTime()} and measures until a {@link LoadVector} carrying it arrives on {@link
 * LoadBus#LOAD}. Changes come at random moments (a random pause after each), so they fall
 * uniformly within the scrape period.
 *
 * <p>Target (issue): p99 within one scrape interval + 5 ms. A change waits for the next scrape
 * (uniform in [0, interval]), then one scrape, parse, fuse and publish: the floor of p99 is about
 * 0.99 × interval plus that path.
 *
 * <p>Run (after {@code ./mvnw -q -DskipTests package}):
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.loadfuse.benchmarks.sidecar.SidecarStalenessHarness \
 *     [--changes 400] [--warmup 100] [--interval-ms 50] [--endpoints 8]
 * </pre>
 *
 * <p>Measured 2026-11-22 on the 2-core shared VM (AMD EPYC, 24 GiB), Temurin 25.0.3, 8 endpoints,
 * 50 ms interval, 400 changes after 100 warm-up changes (more in benchmarks/README.md):
 *
 * <pre>
 * JVM flags                load avg  p50      p90      p99      max       sidecar path p50 / p99
 * default                  0.04      25.8 ms  46.8 ms  50.9 ms   54.3 ms  0.7 / 3.9 ms
 * default                  0.02      26.6 ms  46.9 ms  50.9 ms   51.8 ms  0.6 / 3.4 ms
 * Serial, C1, compact      0.07      25.5 ms  47.1 ms  51.8 ms   53.7 ms  0.7 / 2.8 ms
 * default, during a build  7.9       23.7 ms  51.5 ms  98.8 ms  188.5 ms  (100 changes after 50)
 * </pre>
 *
 * <p>Target met (p99 51-52 ms of 55 ms) while the machine has CPU to spare; missed when its two
 * cores are oversubscribed. The sidecar's own path (page requested to vector on the bus) is under
 * 4 ms at p99; the rest is the wait for the next scrape.
 */
public final class SidecarStalenessHarness {

  private SidecarStalenessHarness() {}

  private record Pending(String endpoint, long expected, CompletableFuture<Long> arrivedAtNanos) {}

  public static void main(String[] args) throws Exception {
    int changes = 400;
    int warmup = 100;
    long intervalMs = 50;
    int endpoints = 8;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--changes" -> changes = Integer.parseInt(args[++i]);
        case "--warmup" -> warmup = Integer.parseInt(args[++i]);
        case "--interval-ms" -> intervalMs = Long.parseLong(args[++i]);
        case "--endpoints" -> endpoints = Integer.parseInt(args[++i]);
        default -> {
          System.err.println("staleness harness: unknown argument " + args[i]
              + " (expected: --changes N --warmup N --interval-ms MS --endpoints N)");
          System.exit(2);
        }
      }
    }

    // Engines and sidecar on separate Vert.x instances: separate event loops, as in production.
    Vertx engineVertx = Vertx.vertx();
    Vertx vertx = Vertx.vertx();
    Path dir = Files.createTempDirectory("loadfuse-staleness");
    FakeVllmFleet fleet = FakeVllmFleet.start(engineVertx, endpoints);
    Path endpointsFile = dir.resolve("endpoints.yaml");
    Path gpusFile = dir.resolve("gpus.yaml");
    fleet.writeEndpointsFile(endpointsFile);
    fleet.writeMockGpus(gpusFile);

    AtomicReference<Pending> pending = new AtomicReference<>();
    Map<String, LoadVector> latest = new ConcurrentHashMap<>();
    LoadBus.install(vertx);
    vertx.eventBus().<LoadVector>consumer(LoadBus.LOAD.name(), m -> {
      long now = System.nanoTime();
      LoadVector v = m.body();
      latest.put(v.endpoint().name(), v);
      Pending p = pending.get();
      if (p != null && p.endpoint().equals(v.endpoint().name()) && v.waitingRequests() == p.expected()) {
        p.arrivedAtNanos().complete(now);
      }
    });
    SidecarVerticle sidecar = new SidecarVerticle(new SidecarOptions().setEndpointsFile(endpointsFile.toString())
        .setMockGpus(gpusFile.toString()).setScrapeInterval(Duration.ofMillis(intervalMs)).setHttp(false));
    vertx.deployVerticle(sidecar).await(30, TimeUnit.SECONDS);

    // Every endpoint scraped once and healthy, with the page's baseline.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (latest.size() < endpoints || latest.values().stream()
        .anyMatch(v -> !v.healthy() || v.waitingRequests() != FakeVllmFleet.OTHER_ENGINES_WAITING)) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("endpoints not healthy within 30 s: " + latest.values());
      }
      Thread.sleep(10);
    }

    long[] latencies = new long[changes];
    long[] waits = new long[changes];
    long[] paths = new long[changes];
    ThreadLocalRandom rnd = ThreadLocalRandom.current();
    for (int k = 0; k < warmup + changes; k++) {
      int server = k % endpoints;
      long value = 100 + k; // never seen before, so only the new page can carry it
      Pending p = new Pending("vllm-" + server, value + FakeVllmFleet.OTHER_ENGINES_WAITING, new CompletableFuture<>());
      pending.set(p);
      long changedAt = System.nanoTime();
      fleet.setWaiting(server, value);
      long arrivedAt = p.arrivedAtNanos().get(10, TimeUnit.SECONDS);
      if (k >= warmup) {
        long servedAt = fleet.firstServedNanos(server);
        latencies[k - warmup] = arrivedAt - changedAt;
        waits[k - warmup] = servedAt - changedAt;
        paths[k - warmup] = arrivedAt - servedAt;
      }
      // Pacing, not synchronisation: the next change falls at a random phase of the scrapes.
      Thread.sleep(rnd.nextLong(intervalMs));
    }

    Arrays.sort(latencies);
    Arrays.sort(waits);
    Arrays.sort(paths);
    long target = TimeUnit.MILLISECONDS.toNanos(intervalMs + 5);
    long over = Arrays.stream(latencies).filter(l -> l > target).count();
    System.out.printf(Locale.ROOT,
        "staleness (change -> LoadVector on %s), %d endpoints, %d ms scrape interval, %d changes (after %d warm-up):%n"
            + "  p50 %.1f ms  p90 %.1f ms  p99 %.1f ms  max %.1f ms  mean %.1f ms; over target: %d%n"
            + "  of which waiting for the next scrape (change -> page requested): p50 %.1f  p99 %.1f  max %.1f ms%n"
            + "  and scrape + parse + fuse + publish (page requested -> on the bus): p50 %.1f  p99 %.1f  max %.1f ms%n"
            + "  target p99 <= %d ms: %s%n"
            + "  page %d bytes; %d cores; Java %s; load average %s%n",
        LoadBus.LOAD.name(), endpoints, intervalMs, changes, warmup,
        ms(percentile(latencies, 50)), ms(percentile(latencies, 90)), ms(percentile(latencies, 99)),
        ms(latencies[latencies.length - 1]), ms((long) Arrays.stream(latencies).average().orElse(0)), over,
        ms(percentile(waits, 50)), ms(percentile(waits, 99)), ms(waits[waits.length - 1]),
        ms(percentile(paths, 50)), ms(percentile(paths, 99)), ms(paths[paths.length - 1]),
        intervalMs + 5, percentile(latencies, 99) <= target ? "MET" : "MISSED",
        fleet.pageBytes(), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        loadAverage());

    vertx.close().await(30, TimeUnit.SECONDS);
    engineVertx.close().await(30, TimeUnit.SECONDS);
    try (var files = Files.list(dir)) {
      for (Path f : files.toList()) {
        Files.deleteIfExists(f);
      }
    }
    Files.deleteIfExists(dir);
  }

  /** Nearest-rank percentile of sorted values. */
  static long percentile(long[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (Exception e) {
      return "n/a";
    }
  }
}
