package dev.loadfuse.benchmarks.sim;

import dev.loadfuse.nvml.GpuSample;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Simulated engines on a simulated clock that only moves when {@link #advanceTo} moves it: no
 * threads, no wall clock, no HTTP. Each engine is an {@link EngineModel} stepped as {@link
 * SimEngine}'s thread steps it (a step's tokens are delivered when it ends, and the next step starts
 * then), but at the step's simulated end time rather than after sleeping through it. Two runs fed
 * the same requests at the same simulated times deliver the same tokens at the same times,
 * whatever the machine is doing: what direction checks need.
 *
 * <p>Alongside, what the sidecar would read at a given moment: an engine's {@code /metrics} page in
 * its engine's format ({@link #metricsPage}) and its GPU as NVML would report it ({@link #gpu}).
 * Not thread-safe: one thread drives it.
 */
public final class SimTimeFleet {

  private final List<String> names = new ArrayList<>();
  private final List<EngineModel> models = new ArrayList<>();
  /** Per engine: when the step in progress ends, or NaN when the engine is idle. */
  private final double[] stepEnds;
  private final EngineModel.Step[] steps;
  private final double[] lastGpuAt;
  private final double[] lastGpuBusy;
  private double now;

  /** Engines named {@code <kind>-<i>} after their profiles, as {@code Fleet} names its servers. */
  public SimTimeFleet(List<EngineProfile> profiles) {
    for (int i = 0; i < profiles.size(); i++) {
      names.add(profiles.get(i).kind().id() + "-" + i);
      models.add(new EngineModel(profiles.get(i)));
    }
    stepEnds = new double[profiles.size()];
    java.util.Arrays.fill(stepEnds, Double.NaN);
    steps = new EngineModel.Step[profiles.size()];
    lastGpuAt = new double[profiles.size()];
    lastGpuBusy = new double[profiles.size()];
  }

  public int size() {
    return models.size();
  }

  public String name(int engine) {
    return names.get(engine);
  }

  public List<String> names() {
    return List.copyOf(names);
  }

  public EngineProfile profile(int engine) {
    return models.get(engine).profile();
  }

  /** Simulated seconds since the fleet was made. */
  public double now() {
    return now;
  }

  public EngineModel.Snapshot snapshot(int engine) {
    return models.get(engine).snapshot();
  }

  /** Throttles (factor < 1) or restores an engine's GPU from its next step on. */
  public void speedFactor(int engine, double factor) {
    models.get(engine).speedFactor(factor);
  }

  /** Queues a request on an engine now; an idle engine starts a step at once. */
  public void submit(int engine, SimRequest r) {
    models.get(engine).submit(r);
    if (Double.isNaN(stepEnds[engine])) {
      startStep(engine);
    }
  }

  /** When the earliest step in progress ends; NaN when every engine is idle. */
  public double nextStepEnd() {
    double next = Double.NaN;
    for (double end : stepEnds) {
      if (!Double.isNaN(end) && (Double.isNaN(next) || end < next)) {
        next = end;
      }
    }
    return next;
  }

  /**
   * Moves the clock to {@code t}, ending every step due by then in time order (engines in index
   * order on a tie): each delivers its tokens to the requests' sinks, which see {@link #now()} at
   * the step's end, and the engine starts its next step.
   */
  public void advanceTo(double t) {
    if (t < now) {
      throw new IllegalArgumentException("time: " + t + " (expected: >= now, " + now + ")");
    }
    while (true) {
      int engine = -1;
      for (int i = 0; i < stepEnds.length; i++) {
        if (!Double.isNaN(stepEnds[i]) && stepEnds[i] <= t && (engine < 0 || stepEnds[i] < stepEnds[engine])) {
          engine = i;
        }
      }
      if (engine < 0) {
        break;
      }
      now = stepEnds[engine];
      EngineModel.Step step = steps[engine];
      stepEnds[engine] = Double.NaN;
      for (SimRequest r : step.advanced()) {
        r.sink.onTokens(r, 1, step.finished().contains(r));
      }
      if (Double.isNaN(stepEnds[engine])) { // a sink may have submitted to it already
        startStep(engine);
      }
    }
    now = t;
  }

  private void startStep(int engine) {
    EngineModel.Step step = models.get(engine).step();
    steps[engine] = step;
    stepEnds[engine] = step == null ? Double.NaN : now + step.seconds();
  }

  /** The engine's {@code /metrics} page now, in its engine's format. */
  public byte[] metricsPage(int engine) {
    return MetricsPages.render(snapshot(engine), now).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The engine's GPU as a probe reading it now would see it ({@link SimGpuProbe#gpuOf}):
   * utilisation is the busy share of simulated time since this engine's previous reading.
   */
  public GpuSample gpu(int engine, long sampledAtNanos) {
    EngineModel.Snapshot s = snapshot(engine);
    double window = now - lastGpuAt[engine];
    double util = window <= 0 ? 0 : Math.min(1, (s.busySecondsTotal() - lastGpuBusy[engine]) / window);
    lastGpuAt[engine] = now;
    lastGpuBusy[engine] = s.busySecondsTotal();
    return SimGpuProbe.gpuOf(engine, s, util, sampledAtNanos);
  }
}
