package dev.loadfuse.nvml.mock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.ThrottleReason;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** config-examples/mock-gpus.yaml loads, and behaves as its comments say. */
class MockGpusExampleTest {
  private static final Path EXAMPLE = Path.of("..", "config-examples", "mock-gpus.yaml");
  private static final long SECOND = 1_000_000_000L;

  @Test
  void example_loadsAndFollowsItsComments() {
    AtomicLong now = new AtomicLong();
    MockGpuProbe probe = MockGpuProbe.open(EXAMPLE, now::get);

    GpuSnapshot start = probe.sample();
    assertThat(start.driverVersion()).contains("560.35.03");
    assertThat(start.gpus()).hasSize(4);
    assertThat(start.gpus().values()).noneMatch(GpuSample::lost);
    assertThat(start.gpus().values()).allSatisfy(g -> assertThat(g.memoryFreeBytes()).isPresent());
    GpuSample hot = start.gpus().sequencedValues().stream().toList().get(2);
    assertThat(hot.throttleReasons()).contains(Set.of());

    now.set(90 * SECOND);
    GpuSnapshot later = probe.sample();
    GpuSample busy = later.gpus().firstEntry().getValue();
    assertThat(busy.memoryUsedBytes()).hasValue(77_309_411_328L);
    hot = later.gpus().sequencedValues().stream().toList().get(2);
    assertThat(hot.throttleReasons())
        .contains(Set.of(ThrottleReason.SW_THERMAL_SLOWDOWN, ThrottleReason.HW_THERMAL_SLOWDOWN));
    assertThat(hot.temperatureC()).hasValue(91);

    for (int i = 2; i < 600; i++) {
      probe.sample();
    }
    assertThat(probe.sample().gpus().lastEntry().getValue().lost()).as("sample 601").isTrue();
  }
}
