package dev.loadfuse.benchmarks.sim;

import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.ThrottleReason;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link GpuProbe} whose GPUs are the simulated engines' (one GPU each, UUID from {@link
 * #uuidOf}): utilisation is the fraction of simulated time the engine spent in steps since the
 * previous sample, memory follows KV usage, power follows utilisation, and an engine slowed below
 * full speed reports thermal and hardware slowdown, as a throttled GPU does through NVML.
 */
public final class SimGpuProbe implements GpuProbe {

  private static final long MEMORY_TOTAL = 80L << 30;
  private static final double POWER_LIMIT_WATTS = 700;

  private final List<SimEngine> engines;
  private final double[] lastBusy;
  private final double[] lastAt;
  private volatile boolean closed;

  public SimGpuProbe(List<SimEngine> engines) {
    this.engines = List.copyOf(engines);
    this.lastBusy = new double[engines.size()];
    this.lastAt = new double[engines.size()];
  }

  /** The UUID of the simulated GPU behind engine {@code index}. */
  public static String uuidOf(int index) {
    return String.format("GPU-5111a7ed-0000-4000-8000-%012d", index);
  }

  @Override
  public synchronized GpuSnapshot sample() {
    if (closed) {
      throw new IllegalStateException("simulated GPU probe closed");
    }
    long nanos = System.nanoTime();
    List<GpuSample> out = new ArrayList<>(engines.size());
    for (int i = 0; i < engines.size(); i++) {
      SimEngine e = engines.get(i);
      EngineModel.Snapshot s = e.snapshot();
      double now = e.clock().now();
      double window = now - lastAt[i];
      double util = window <= 0 ? 0 : Math.min(1, (s.busySecondsTotal() - lastBusy[i]) / window);
      lastAt[i] = now;
      lastBusy[i] = s.busySecondsTotal();
      out.add(gpuOf(i, s, util, nanos));
    }
    return GpuSnapshot.of(Optional.of("580.95.05 (simulated)"), nanos, out);
  }

  /**
   * The reading of the GPU behind engine {@code index} in state {@code s}, busy {@code util} of
   * the time since the previous reading: memory follows KV usage, power follows utilisation, and an
   * engine below full speed reports thermal and hardware slowdown at 89 °C.
   */
  static GpuSample gpuOf(int index, EngineModel.Snapshot s, double util, long sampledAtNanos) {
    double speed = s.profile().speedFactor();
    Set<ThrottleReason> reasons = EnumSet.noneOf(ThrottleReason.class);
    if (speed < 1) {
      reasons.add(ThrottleReason.SW_THERMAL_SLOWDOWN);
      reasons.add(ThrottleReason.HW_SLOWDOWN);
    } else if (util == 0) {
      reasons.add(ThrottleReason.GPU_IDLE);
    }
    long used = (long) (MEMORY_TOTAL * (0.55 + 0.4 * s.kvCacheUsage()));
    return GpuSample.builder(uuidOf(index), index)
        .name("NVIDIA H100 80GB HBM3 (simulated)")
        .memoryTotalBytes(MEMORY_TOTAL).memoryUsedBytes(used).memoryFreeBytes(MEMORY_TOTAL - used)
        .memoryReservedBytes(512L << 20)
        .gpuUtilization(util).memoryUtilization(util * 0.6)
        .powerWatts(Math.min(POWER_LIMIT_WATTS, 70 + util * 560 * Math.min(1, speed))).powerLimitWatts(POWER_LIMIT_WATTS)
        .temperatureC(speed < 1 ? 89 : (int) Math.round(35 + 35 * util))
        .throttleReasons(reasons)
        .energyJoules(s.busySecondsTotal() * 600)
        .migEnabled(false)
        .sampledAtNanos(sampledAtNanos)
        .build();
  }

  @Override
  public String description() {
    return "simulated GPUs of " + engines.size() + " engines";
  }

  @Override
  public void close() {
    closed = true;
  }
}
