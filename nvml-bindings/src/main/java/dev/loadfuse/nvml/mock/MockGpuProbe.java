package dev.loadfuse.nvml.mock;

import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * {@link GpuProbe} over GPUs described in a file: what local runs without GPUs use.
 *
 * <p>Time functions and time-based faults are evaluated at the seconds elapsed since the probe
 * was opened, read from an injectable monotonic nanosecond clock; sample-count faults count
 * calls to {@link #sample()} (the first is sample 1).
 *
 * <p>Threading: {@link #sample()} is {@code synchronized}; any thread may call it.
 */
public final class MockGpuProbe implements GpuProbe {
  private final MockGpuConfig config;
  private final String source;
  private final LongSupplier nanoClock;
  private final long openedAtNanos;
  private long samples;
  private boolean closed;

  private MockGpuProbe(MockGpuConfig config, String source, LongSupplier nanoClock) {
    this.config = Objects.requireNonNull(config, "config");
    this.source = source;
    this.nanoClock = nanoClock;
    this.openedAtNanos = nanoClock.getAsLong();
  }

  /**
   * Loads {@code file} and starts its clock at {@link System#nanoTime()}.
   *
   * @throws MockConfigException naming the file and the path of the first problem
   */
  public static MockGpuProbe open(Path file) {
    return open(file, System::nanoTime);
  }

  /** Loads {@code file}; elapsed time is measured on {@code nanoClock} from now. */
  public static MockGpuProbe open(Path file, LongSupplier nanoClock) {
    return new MockGpuProbe(MockGpuConfig.load(file), file.toString(), nanoClock);
  }

  /** A probe over an already parsed config; elapsed time is measured on {@code nanoClock} from now. */
  public static MockGpuProbe of(MockGpuConfig config, String source, LongSupplier nanoClock) {
    return new MockGpuProbe(config, source, nanoClock);
  }

  @Override
  public synchronized GpuSnapshot sample() {
    if (closed) {
      throw new IllegalStateException("mock GPU probe closed: " + source);
    }
    samples++;
    long now = nanoClock.getAsLong();
    double seconds = Math.max(0, (now - openedAtNanos) / 1e9);
    List<MockGpuConfig.Gpu> gpus = config.gpus();
    List<GpuSample> out = new ArrayList<>(gpus.size());
    for (int i = 0; i < gpus.size(); i++) {
      out.add(sample(gpus.get(i), i, seconds, now));
    }
    return GpuSnapshot.of(config.driverVersion(), now, out);
  }

  private GpuSample sample(MockGpuConfig.Gpu gpu, int index, double seconds, long now) {
    long throttleBits = 0;
    boolean throttled = false;
    for (MockFault fault : gpu.faults()) {
      switch (fault) {
        case MockFault.LostAfterSamples f -> {
          if (samples > f.afterSamples()) {
            return GpuSample.lost(gpu.uuid(), index, Optional.of(gpu.name()), now);
          }
        }
        case MockFault.LostAt f -> {
          if (seconds >= f.atSeconds()) {
            return GpuSample.lost(gpu.uuid(), index, Optional.of(gpu.name()), now);
          }
        }
        case MockFault.Throttle f -> {
          if (f.activeAt(seconds)) {
            throttleBits |= f.reasonBits();
            throttled = true;
          }
        }
      }
    }
    GpuSample.Builder b = GpuSample.builder(gpu.uuid(), index).name(gpu.name()).sampledAtNanos(now);
    Map<MockMetric, TimeFunction> m = gpu.metrics();
    Long total = wholeAt(m, MockMetric.MEMORY_TOTAL_BYTES, seconds);
    Long used = wholeAt(m, MockMetric.MEMORY_USED_BYTES, seconds);
    Long reserved = wholeAt(m, MockMetric.MEMORY_RESERVED_BYTES, seconds);
    if (total != null) {
      b.memoryTotalBytes(total);
    }
    if (used != null) {
      b.memoryUsedBytes(used);
    }
    if (reserved != null) {
      b.memoryReservedBytes(reserved);
    }
    if (total != null && used != null) {
      // As NVML reports it; the loader checked that used + reserved fits in total.
      b.memoryFreeBytes(Math.max(0, total - used - (reserved == null ? 0 : reserved)));
    }
    TimeFunction f;
    if ((f = m.get(MockMetric.GPU_UTILIZATION)) != null) {
      b.gpuUtilization(clampFraction(f.valueAt(seconds)));
    }
    if ((f = m.get(MockMetric.MEMORY_UTILIZATION)) != null) {
      b.memoryUtilization(clampFraction(f.valueAt(seconds)));
    }
    if ((f = m.get(MockMetric.POWER_WATTS)) != null) {
      b.powerWatts(Math.max(0, f.valueAt(seconds)));
    }
    if ((f = m.get(MockMetric.POWER_LIMIT_WATTS)) != null) {
      b.powerLimitWatts(Math.max(0, f.valueAt(seconds)));
    }
    Long temperature = wholeAt(m, MockMetric.TEMPERATURE_C, seconds);
    if (temperature != null) {
      b.temperatureC(temperature.intValue());
    }
    if ((f = m.get(MockMetric.ENERGY_JOULES)) != null) {
      b.energyJoules(Math.max(0, f.valueAt(seconds)));
    }
    if (gpu.throttleReasonBits().isPresent() || throttled) {
      b.throttleReasonBits(gpu.throttleReasonBits().orElse(0) | throttleBits);
    }
    gpu.migEnabled().ifPresent(b::migEnabled);
    return b.build();
  }

  private static Long wholeAt(Map<MockMetric, TimeFunction> metrics, MockMetric metric, double seconds) {
    TimeFunction f = metrics.get(metric);
    return f == null ? null : Math.max(0, Math.round(f.valueAt(seconds)));
  }

  // Interpolation stays within the bounds checked at load, except for rounding at the edges.
  private static double clampFraction(double v) {
    return Math.clamp(v, 0.0, 1.0);
  }

  @Override
  public String description() {
    return "mock " + source + " (" + config.gpus().size() + " GPUs)";
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
