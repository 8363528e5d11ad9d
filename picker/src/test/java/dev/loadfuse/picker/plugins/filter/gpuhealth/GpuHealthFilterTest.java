package dev.loadfuse.picker.plugins.filter.gpuhealth;

import static dev.loadfuse.picker.testing.TestEndpoints.gpu;
import static dev.loadfuse.picker.testing.TestEndpoints.gpuVector;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.ThrottleReason;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.RecordingEvents;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GpuHealthFilterTest {

  private final GpuHealthFilter filter = new GpuHealthFilter("gpu", 85, GpuHealthFilter.DEFAULT_THROTTLE_REASONS);

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("healthy", gpu(1, 0.5, 0.5).build(), true, null),
        Arguments.of("power cap is normal", gpu(1, 0.5, 0.5).throttleReasonBits(0x4 | 0x1).build(), true, null),
        Arguments.of("hardware slowdown", gpu(1, 0.5, 0.5).throttleReasonBits(0x8).build(), false, "throttled"),
        Arguments.of("software thermal slowdown", gpu(1, 0.5, 0.5).throttleReasonBits(0x20).build(), false, "throttled"),
        Arguments.of("hardware thermal slowdown", gpu(1, 0.5, 0.5).throttleReasonBits(0x40).build(), false, "throttled"),
        Arguments.of("power brake", gpu(1, 0.5, 0.5).throttleReasonBits(0x80 | 0x4).build(), false, "throttled"),
        Arguments.of("too hot", gpu(1, 0.5, 0.5).temperatureC(86).build(), false, "temperature"),
        Arguments.of("at the limit", gpu(1, 0.5, 0.5).temperatureC(85).build(), true, null),
        Arguments.of("lost", GpuSample.lost("GPU-1", 1, Optional.empty(), 0), false, "gpu-lost"),
        Arguments.of("no readings at all", GpuSample.builder("GPU-1", 1).build(), true, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void filters(String name, GpuSample second, boolean kept, String reason) {
    EndpointState healthy = TestEndpoints.withVector(0, gpuVector(0, gpu(0, 0.5, 0.5).build()));
    EndpointState tested = TestEndpoints.withVector(1, gpuVector(1, second));
    EndpointView[] eps = TestEndpoints.views(healthy, tested);
    RecordingEvents events = new RecordingEvents();
    int n = filter.filter(events.cycle(), eps, 2);
    if (kept) {
      assertThat(n).isEqualTo(2);
      assertThat(events.counts).isEmpty();
    } else {
      assertThat(n).isEqualTo(1);
      assertThat(eps[0].id()).isEqualTo(healthy.id());
      assertThat(events.counts).containsExactly(Map.entry("gpu/" + reason, 1));
    }
  }

  @Test
  void everyGpuThrottled_keepsAll_andCountsIt() {
    EndpointView[] eps = TestEndpoints.views(
        TestEndpoints.withVector(0, gpuVector(0, gpu(0, 0.5, 0.5).throttleReasonBits(0x40).build())),
        TestEndpoints.withVector(1, gpuVector(1, gpu(1, 0.5, 0.5).temperatureC(95).build())));
    RecordingEvents events = new RecordingEvents();
    assertThat(filter.filter(events.cycle(), eps, 2)).isEqualTo(2);
    assertThat(events.counts).containsExactly(Map.entry("gpu/kept-all", 1));
  }

  @Test
  void withoutGpuData_orWithStaleReadings_passes() {
    EndpointState noData = TestEndpoints.endpoint(0, 0, 0, 0.1);
    EndpointState stale = TestEndpoints.withVector(1,
        gpuVector(1).withGpus(List.of(gpu(1, 0.5, 0.5).throttleReasonBits(0x8).build()), TestEndpoints.NOW - 60_000));
    EndpointView[] eps = TestEndpoints.views(noData, stale);
    assertThat(filter.filter(new RecordingEvents().cycle(), eps, 2)).isEqualTo(2);
  }

  @Test
  void configuredReasons_replaceTheDefaults() {
    GpuHealthFilter strict = new GpuHealthFilter("gpu", 85, Set.of(ThrottleReason.SW_POWER_CAP));
    EndpointView[] eps = TestEndpoints.views(
        TestEndpoints.withVector(0, gpuVector(0, gpu(0, 0.5, 0.5).throttleReasonBits(0x4).build())),
        TestEndpoints.withVector(1, gpuVector(1, gpu(1, 0.5, 0.5).throttleReasonBits(0x8).build())));
    assertThat(strict.filter(new RecordingEvents().cycle(), eps, 2)).isEqualTo(1);
    assertThat(eps[0].id().name()).isEqualTo("ep-1");
  }
}
