package dev.loadfuse.picker.plugins.scorer.gpumemory;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static dev.loadfuse.picker.testing.TestEndpoints.gpu;
import static dev.loadfuse.picker.testing.TestEndpoints.gpuVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GpuMemoryHeadroomScorerTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("one GPU, 30 % free", new GpuSample[] {gpu(0, 0.3, 0.5).build()}, 0.3),
        Arguments.of("the fullest of two GPUs counts", new GpuSample[] {gpu(0, 0.6, 0.1).build(), gpu(1, 0.2, 0.1).build()}, 0.2),
        Arguments.of("no memory readings (neutral)", new GpuSample[] {GpuSample.builder("GPU-0", 0).gpuUtilization(0.5).build()}, 0.5),
        Arguments.of("no GPUs (neutral)", new GpuSample[0], 0.5));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void scores(String name, GpuSample[] gpus, double expected) {
    double score = TestEndpoints.scoreOf(new GpuMemoryHeadroomScorer("m"), cycle(),
        TestEndpoints.withVector(0, gpuVector(0, gpus)));
    assertThat(score).isCloseTo(expected, within(1e-9));
  }

  @ParameterizedTest(name = "stale readings are neutral ({0} ms old)")
  @org.junit.jupiter.params.provider.ValueSource(longs = {TestEndpoints.STALE_MS + 1, 60_000})
  void staleReadings_areNeutral(long ageMillis) {
    double score = TestEndpoints.scoreOf(new GpuMemoryHeadroomScorer("m"), cycle(),
        TestEndpoints.withVector(0,
        gpuVector(0).withGpus(java.util.List.of(gpu(0, 0.9, 0).build()), TestEndpoints.NOW - ageMillis)));
    assertThat(score).isEqualTo(0.5);
  }
}
