package dev.loadfuse.nvml;

import java.util.Objects;

/**
 * Outcome of opening a probe whose facility may be missing (NVML): the probe, or why not.
 * Opening never throws for a missing library or driver; it returns {@link Unavailable}.
 */
public sealed interface GpuProbeResult {

  /** The probe if available, else a {@link NoGpuProbe} carrying the reason. */
  GpuProbe orNone();

  /** An opened probe; the caller owns it and must close it. */
  record Available(GpuProbe probe) implements GpuProbeResult {
    public Available {
      Objects.requireNonNull(probe, "probe");
    }

    @Override
    public GpuProbe orNone() {
      return probe;
    }
  }

  /**
   * The facility is missing.
   *
   * @param reason one line naming what was tried and what failed, e.g. {@code cannot load
   *     libnvidia-ml.so.1 from the system library path}
   */
  record Unavailable(String reason) implements GpuProbeResult {
    public Unavailable {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public GpuProbe orNone() {
      return new NoGpuProbe(reason);
    }
  }
}
