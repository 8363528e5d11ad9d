package dev.loadfuse.nvml;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GpuSampleTest {

  private static GpuSample.Builder gpu() {
    return GpuSample.builder("GPU-1", 0);
  }

  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of((UnaryOperator<GpuSample.Builder>) b -> b.gpuUtilization(1.3), "gpuUtilization: 1.3 (expected: [0, 1])"),
        Arguments.of((UnaryOperator<GpuSample.Builder>) b -> b.memoryUtilization(-0.1), "memoryUtilization: -0.1 (expected: [0, 1])"),
        Arguments.of((UnaryOperator<GpuSample.Builder>) b -> b.gpuUtilization(Double.NaN), "gpuUtilization: NaN (expected: [0, 1])"),
        Arguments.of((UnaryOperator<GpuSample.Builder>) b -> b.memoryUsedBytes(-1), "memoryUsedBytes: -1 (expected: >= 0)"),
        Arguments.of((UnaryOperator<GpuSample.Builder>) b -> b.powerWatts(Double.POSITIVE_INFINITY), "powerWatts: Infinity (expected: finite, >= 0)"),
        Arguments.of((UnaryOperator<GpuSample.Builder>) b -> b.temperatureC(-5), "temperatureC: -5 (expected: >= 0)"),
        Arguments.of((UnaryOperator<GpuSample.Builder>) b -> b.lost(true).powerWatts(1),
            "lost: true with measurements (expected: a lost GPU carries only uuid, index and name)"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void outOfRange_rejectedNamingFieldValueAndRange(UnaryOperator<GpuSample.Builder> change, String message) {
    assertThatThrownBy(() -> change.apply(gpu()).build()).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void identity_validated() {
    assertThatThrownBy(() -> GpuSample.builder(" ", 0).build()).hasMessage("uuid: blank (expected: a GPU UUID)");
    assertThatThrownBy(() -> GpuSample.builder("GPU-1", -1).build()).hasMessage("index: -1 (expected: >= 0)");
  }

  @Test
  void boundaries_accepted() {
    GpuSample s = gpu().gpuUtilization(0).memoryUtilization(1).powerWatts(0).memoryUsedBytes(0).build();
    assertThat(s.gpuUtilization()).hasValue(0.0);
    assertThat(s.memoryUtilization()).hasValue(1.0);
  }

  @Test
  void lost_keepsIdentityOnly() {
    GpuSample s = GpuSample.lost("GPU-1", 3, Optional.of("H100"), 42);
    assertThat(s.lost()).isTrue();
    assertThat(s.name()).contains("H100");
    assertThat(s.index()).isEqualTo(3);
    assertThat(s.powerWatts()).isEmpty();
    assertThat(s.throttleReasons()).isEmpty();
  }

  @Test
  void throttleReasons_decodedFromBits() {
    GpuSample s = gpu().throttleReasonBits(0x24 | 0x1000).build();
    assertThat(s.throttleReasons()).contains(Set.of(ThrottleReason.SW_POWER_CAP, ThrottleReason.SW_THERMAL_SLOWDOWN));
    assertThat(gpu().build().throttleReasons()).isEmpty();
  }

  @Test
  void toBuilder_copiesEveryField() {
    GpuSample s = gpu().name("n").memoryTotalBytes(10).memoryUsedBytes(4).memoryFreeBytes(5).memoryReservedBytes(1)
        .gpuUtilization(0.5).memoryUtilization(0.25).powerWatts(100).powerLimitWatts(200).temperatureC(50)
        .throttleReasonBits(4).energyJoules(9).migEnabled(true).sampledAtNanos(7).build();
    assertThat(s.toBuilder().build()).isEqualTo(s);
  }
}
