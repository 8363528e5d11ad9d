package dev.loadfuse.nvml.ffm;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.ThrottleReason;
import java.util.List;
import java.util.Set;

/** The fake NVML's documented default GPUs (see fake_nvml.c), as the probe should read them. */
final class FakeGpus {
  static final String DRIVER_VERSION = "560.35.03";
  static final String H100_UUID = "GPU-00000000-1111-2222-3333-444444444444";
  static final String L4_UUID = "GPU-55555555-6666-7777-8888-999999999999";

  private FakeGpus() {}

  static GpuSample h100(long sampledAtNanos) {
    return GpuSample.builder(H100_UUID, 0)
        .name("Fake NVIDIA H100 80GB HBM3")
        .memoryTotalBytes(85_899_345_920L)
        .memoryReservedBytes(536_870_912L)
        .memoryUsedBytes(21_474_836_480L)
        .memoryFreeBytes(63_887_638_528L)
        .gpuUtilization(0.75)
        .memoryUtilization(0.40)
        .powerWatts(350.0)
        .powerLimitWatts(700.0)
        .temperatureC(65)
        .throttleReasonBits(0)
        .energyJoules(123_456.789)
        .migEnabled(false)
        .sampledAtNanos(sampledAtNanos)
        .build();
  }

  static GpuSample l4(long sampledAtNanos) {
    return GpuSample.builder(L4_UUID, 1)
        .name("Fake NVIDIA L4")
        .memoryTotalBytes(25_769_803_776L)
        .memoryReservedBytes(268_435_456L)
        .memoryUsedBytes(12_884_901_888L)
        .memoryFreeBytes(12_616_466_432L)
        .gpuUtilization(1.0)
        .memoryUtilization(0.05)
        .powerWatts(70.25)
        .powerLimitWatts(72.0)
        .temperatureC(83)
        .throttleReasons(Set.of(ThrottleReason.SW_POWER_CAP, ThrottleReason.SW_THERMAL_SLOWDOWN))
        .energyJoules(987_654.321)
        // MIG mode: the fake answers NOT_SUPPORTED, as an L4 does.
        .sampledAtNanos(sampledAtNanos)
        .build();
  }

  /**
   * {@code s} with some field groups dropped: memory, utilization, power, powerLimit,
   * temperature, throttle, energy, mig.
   */
  static GpuSample without(GpuSample s, String... groups) {
    List<String> drop = List.of(groups);
    GpuSample.Builder b =
        GpuSample.builder(s.uuid(), s.index()).name(s.name()).sampledAtNanos(s.sampledAtNanos());
    if (!drop.contains("memory")) {
      s.memoryTotalBytes().ifPresent(b::memoryTotalBytes);
      s.memoryReservedBytes().ifPresent(b::memoryReservedBytes);
      s.memoryUsedBytes().ifPresent(b::memoryUsedBytes);
      s.memoryFreeBytes().ifPresent(b::memoryFreeBytes);
    }
    if (!drop.contains("utilization")) {
      s.gpuUtilization().ifPresent(b::gpuUtilization);
      s.memoryUtilization().ifPresent(b::memoryUtilization);
    }
    if (!drop.contains("power")) {
      s.powerWatts().ifPresent(b::powerWatts);
    }
    if (!drop.contains("powerLimit")) {
      s.powerLimitWatts().ifPresent(b::powerLimitWatts);
    }
    if (!drop.contains("temperature")) {
      s.temperatureC().ifPresent(b::temperatureC);
    }
    if (!drop.contains("throttle")) {
      s.throttleReasonBits().ifPresent(b::throttleReasonBits);
    }
    if (!drop.contains("energy")) {
      s.energyJoules().ifPresent(b::energyJoules);
    }
    if (!drop.contains("mig")) {
      s.migEnabled().ifPresent(b::migEnabled);
    }
    return b.build();
  }
}
