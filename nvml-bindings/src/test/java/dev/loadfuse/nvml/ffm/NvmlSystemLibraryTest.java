package dev.loadfuse.nvml.ffm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeResult;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The real driver, on machines that have one; skipped (with the reason) elsewhere. */
@Tag("gpu")
class NvmlSystemLibraryTest {

  @Test
  void systemNvml_samplesSaneValues() {
    GpuProbeResult result = GpuProbes.nvml();
    assumeTrue(result instanceof GpuProbeResult.Available, () -> "no NVML here: " + ((GpuProbeResult.Unavailable) result).reason());

    try (GpuProbe probe = result.orNone()) {
      GpuSnapshot first = probe.sample();
      GpuSnapshot second = probe.sample();

      assertThat(first.driverVersion()).hasValueSatisfying(v -> assertThat(v).matches("\\d+\\.\\d+.*"));
      assertThat(second.gpus().sequencedKeySet()).isEqualTo(first.gpus().sequencedKeySet());
      for (GpuSample gpu : second.gpus().values()) {
        if (gpu.lost()) {
          continue;
        }
        assertThat(gpu.uuid()).matches("(GPU|MIG)-.+");
        assertThat(gpu.name()).isPresent();
        long total = gpu.memoryTotalBytes().orElseThrow();
        assertThat(total).isGreaterThan(1L << 30);
        assertThat(gpu.memoryUsedBytes().orElseThrow()).isLessThanOrEqualTo(total);
        gpu.temperatureC().ifPresent(t -> assertThat(t).isBetween(5, 120));
        gpu.powerWatts().ifPresent(w -> assertThat(w).isBetween(1.0, 2000.0));
        gpu.powerLimitWatts().ifPresent(w -> assertThat(w).isBetween(10.0, 2000.0));
        double energyBefore = first.gpus().get(gpu.uuid()).energyJoules().orElse(0);
        gpu.energyJoules().ifPresent(j -> assertThat(j).as("energy is a counter").isGreaterThanOrEqualTo(energyBefore));
      }
    }
  }
}
