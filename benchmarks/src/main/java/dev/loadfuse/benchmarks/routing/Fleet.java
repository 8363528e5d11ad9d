package dev.loadfuse.benchmarks.routing;

import dev.loadfuse.benchmarks.sim.EngineProfile;
import dev.loadfuse.benchmarks.sim.SimClock;
import dev.loadfuse.benchmarks.sim.SimEngine;
import dev.loadfuse.benchmarks.sim.SimGpuProbe;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.picker.server.PickerServer;
import dev.loadfuse.picker.server.PickerSettings;
import dev.loadfuse.sidecar.SidecarVerticle;
import dev.loadfuse.discovery.file.FileEndpointDiscovery;
import dev.loadfuse.sidecar.scrape.ScrapeOptions;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Everything a gateway routes over, on one Vert.x: the simulated engines, the sidecar scraping
 * them (with {@link SimGpuProbe} as its GPU probe, so throttling shows in the load vectors), and,
 * for policies that use one, a picker fed by that sidecar over the local event bus. Fresh per
 * measurement, so no cache or queue state leaks from one policy to the next.
 */
public final class Fleet implements AutoCloseable {

  private final Vertx vertx;
  private final List<SimEngine> engines;
  private final PickerServer picker;
  private final PickerProcess pickerProcess;
  private final Path endpointsFile;

  private Fleet(Vertx vertx, List<SimEngine> engines, PickerServer picker, PickerProcess pickerProcess,
      Path endpointsFile) {
    this.vertx = vertx;
    this.engines = engines;
    this.picker = picker;
    this.pickerProcess = pickerProcess;
    this.endpointsFile = endpointsFile;
  }

  /**
   * @param profiles one per engine (its kind picks the /metrics format)
   * @param scrapeInterval the sidecar's scrape interval, real time
   * @param placement where the picker runs: in this JVM, or in a child JVM ({@link PickerProcess})
   *     with its own in-process sidecar (no GPU probe there, so GPU plugins see no GPU)
   */
  public static Fleet start(List<EngineProfile> profiles, SimClock clock, Policy policy, Duration scrapeInterval,
      PickerPlacement placement) throws Exception {
    Vertx vertx = Vertx.vertx();
    List<SimEngine> engines = new ArrayList<>();
    try {
      StringBuilder file = new StringBuilder("pool:\n  name: sim-pool\nendpoints:\n");
      for (int i = 0; i < profiles.size(); i++) {
        EngineProfile p = profiles.get(i);
        String name = p.kind().id() + "-" + i;
        SimEngine e = SimEngine.start(vertx, name, p, clock, 0).await(10, TimeUnit.SECONDS);
        engines.add(e);
        file.append("  - name: ").append(name).append("\n    address: 127.0.0.1\n    port: ").append(e.port())
            .append("\n    labels: {inference.networking.k8s.io/engine-type: ").append(p.kind().engineLabel())
            .append("}\n    gpus: [").append(SimGpuProbe.uuidOf(i)).append("]\n");
      }
      Path endpoints = Files.createTempFile("loadfuse-sim-endpoints", ".yaml");
      Files.writeString(endpoints, file);
      if (placement.child() && policy.usesPicker()) {
        return new Fleet(vertx, engines, null, PickerProcess.start(policy.configText(), endpoints, scrapeInterval,
            placement == PickerPlacement.CHILD_REALTIME), endpoints);
      }
      SidecarVerticle sidecar = new SidecarVerticle(new SidecarVerticle.Settings(
          new FileEndpointDiscovery(endpoints), null, new SimGpuProbe(engines), ModelServerMetricsConfig.defaults(),
          ScrapeOptions.DEFAULTS.withInterval(scrapeInterval), Duration.ofMillis(100), Duration.ofMillis(100), null));
      vertx.deployVerticle(sidecar).await(30, TimeUnit.SECONDS);
      PickerServer picker = null;
      if (policy.usesPicker()) {
        // remote-sidecar mode on a local bus: the picker takes the vectors of the sidecar above
        // (with GPU state) instead of deploying its own GPU-less one.
        PickerSettings settings = new PickerSettings("127.0.0.1", 0, 0, 0, policy.pickerConfig(), null, endpoints,
            true, "sim-pool", null, null, false, null, null, 0, 1);
        picker = PickerServer.start(vertx, settings).await(30, TimeUnit.SECONDS);
      }
      return new Fleet(vertx, engines, picker, null, endpoints);
    } catch (Exception e) {
      engines.forEach(SimEngine::close);
      vertx.close();
      throw e;
    }
  }

  public List<SimEngine> engines() {
    return engines;
  }

  /** The picker's ext_proc port; -1 when the policy uses none. */
  public int extProcPort() {
    return pickerProcess != null ? pickerProcess.grpcPort() : picker == null ? -1 : picker.grpcPort();
  }

  /** The child-JVM picker; null when the picker runs in this JVM or the policy uses none. */
  public PickerProcess pickerProcess() {
    return pickerProcess;
  }

  /**
   * The picker's {@code /metrics} page, wherever it runs (its histograms give its own view of each
   * point); null when the policy uses no picker.
   */
  public String pickerMetricsText() throws java.io.IOException, InterruptedException {
    return pickerProcess != null ? pickerProcess.metricsText() : picker != null ? picker.metrics().scrape() : null;
  }

  /** Waits until the sidecar has published a vector of every engine (the picker can route). */
  public void awaitReady(Duration timeout) throws InterruptedException, IOException {
    if (pickerProcess != null) {
      pickerProcess.awaitReady(engines.size(), timeout);
      return;
    }
    long end = System.nanoTime() + timeout.toNanos();
    while (picker != null && (picker.datastore().routable().length < engines.size()
        || java.util.Arrays.stream(picker.datastore().routable()).anyMatch(e -> e.vector() == null))) {
      if (System.nanoTime() > end) {
        throw new IllegalStateException("picker has no load vector of every one of the " + engines.size()
            + " engines within " + timeout);
      }
      Thread.sleep(20);
    }
  }

  @Override
  public void close() {
    engines.forEach(SimEngine::close);
    if (picker != null) {
      picker.close();
    }
    if (pickerProcess != null) {
      pickerProcess.close();
    }
    try {
      vertx.close().await(20, TimeUnit.SECONDS);
      Files.deleteIfExists(endpointsFile);
    } catch (IOException | RuntimeException | java.util.concurrent.TimeoutException e) {
      // best effort at shutdown
    }
  }
}
