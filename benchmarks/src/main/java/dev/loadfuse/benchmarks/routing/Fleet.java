package dev.loadfuse.benchmarks.routing;

import dev.loadfuse.benchmarks.sim.EngineProfile;
import dev.loadfuse.benchmarks.sim.SimClock;
import dev.loadfuse.benchmarks.sim.SimEngine;
import dev.loadfuse.benchmarks.sim.SimGpuProbe;
import dev.loadfuse.picker.server.PickerOptions;
import dev.loadfuse.picker.server.PickerServer;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Everything a gateway routes over, on one Vert.x: the simulated engines and, for policies that
 * use one, a picker in local mode. The picker's own in-process sidecar (the embedded-sidecar
 * facade, as {@code picker.jar --endpoints-file F --mock-gpus G} runs it) scrapes the engines and
 * reads their simulated GPUs through {@link SimGpuProbe}, given as its GPU probe, so throttling
 * shows in the load vectors: the GPUs are read in the picker's own process. Fresh per measurement,
 * so no cache or queue state leaks from one policy to the next ({@link #start}).
 *
 * @param picker the picker in this JVM; null when it runs in a child JVM or the policy uses none
 * @param pickerProcess the child-JVM picker; null when the picker runs in this JVM or the policy uses none
 */
public record Fleet(Vertx vertx, List<SimEngine> engines, PickerServer picker, PickerProcess pickerProcess,
    Path endpointsFile) implements AutoCloseable {

  /**
   * @param profiles one per engine (its kind picks the /metrics format)
   * @param scrapeInterval the sidecar's scrape interval, real time
   * @param placement where the picker runs: in this JVM (its in-process sidecar reading the
   *     simulated GPUs), or in a child JVM ({@link PickerProcess}) with its own in-process sidecar
   *     and no GPU probe (the simulated GPUs live in this JVM), so GPU plugins see no GPU
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
      PickerServer picker = null;
      if (policy.usesPicker()) {
        // Local mode: the picker's in-process sidecar scrapes the engines and reads the simulated
        // GPUs (a custom GPU probe, as --mock-gpus gives a file-driven one).
        PickerOptions options = new PickerOptions().setEndpointsFile(endpoints.toString()).setPoolName("sim-pool")
            .setConfig(policy.pickerConfig()).setRefreshMetricsInterval(scrapeInterval)
            .setCustomGpuProbe(new SimGpuProbe(engines)).setSecureServing(false).setExtProcServers(1)
            .setEphemeralPorts();
        picker = PickerServer.start(vertx, options).await(30, TimeUnit.SECONDS);
      }
      return new Fleet(vertx, engines, picker, null, endpoints);
    } catch (Exception e) {
      engines.forEach(SimEngine::close);
      vertx.close();
      throw e;
    }
  }

  /** The picker's ext_proc port; -1 when the policy uses none. */
  public int extProcPort() {
    return pickerProcess != null ? pickerProcess.grpcPort() : picker == null ? -1 : picker.grpcPort();
  }

  /**
   * Which process reads the GPUs the picker routes on, for the output: the in-JVM picker's own
   * in-process sidecar (this process), or none for a child-JVM picker; null without a picker.
   */
  public String gpuSource() {
    if (picker != null) {
      long withGpus = java.util.Arrays.stream(picker.datastore().all())
          .filter(e -> e.vector() != null && !e.vector().gpus().isEmpty()).count();
      return "the picker's in-process sidecar in this process (pid " + ProcessHandle.current().pid() + "): "
          + picker.gpuProbe() + "; GPU readings in the picker for " + withGpus + " of " + engines.size() + " endpoints";
    }
    return pickerProcess != null ? "nobody: the child-JVM picker's in-process sidecar has no GPU probe" : null;
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
