package dev.loadfuse.picker.plugins.scorer;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static dev.loadfuse.picker.testing.TestEndpoints.gpu;
import static dev.loadfuse.picker.testing.TestEndpoints.gpuVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.plugins.scorer.gpumemory.GpuMemoryHeadroomScorer;
import dev.loadfuse.picker.plugins.scorer.gpuutilization.GpuUtilizationScorer;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GPU scorers ({@code gpu-memory-headroom-scorer}, {@code gpu-utilization-scorer}): each scores
 * an endpoint by its worst GPU; without readings, or with stale ones, an endpoint scores neutral.
 */
class GpuScorersTest {

  private static GpuScorer scorer(String type) {
    return switch (type) {
      case GpuMemoryHeadroomScorer.TYPE -> new GpuMemoryHeadroomScorer("m");
      case GpuUtilizationScorer.TYPE -> new GpuUtilizationScorer("u");
      default -> throw new IllegalArgumentException(type);
    };
  }

  static Stream<Arguments> table() {
    String memory = GpuMemoryHeadroomScorer.TYPE;
    String utilization = GpuUtilizationScorer.TYPE;
    return Stream.of(
        Arguments.of(memory, "one GPU, 30 % free", new GpuSample[] {gpu(0, 0.3, 0.5).build()}, 0.3),
        Arguments.of(memory, "the fullest of two GPUs counts", new GpuSample[] {gpu(0, 0.6, 0.1).build(), gpu(1, 0.2, 0.1).build()}, 0.2),
        Arguments.of(memory, "no memory readings (neutral)", new GpuSample[] {GpuSample.builder("GPU-0", 0).gpuUtilization(0.5).build()}, 0.5),
        Arguments.of(memory, "no GPUs (neutral)", new GpuSample[0], 0.5),
        Arguments.of(utilization, "idle GPU", new GpuSample[] {gpu(0, 0.5, 0).build()}, 1.0),
        Arguments.of(utilization, "busy GPU", new GpuSample[] {gpu(0, 0.5, 0.9).build()}, 0.1),
        Arguments.of(utilization, "the busiest of two GPUs counts", new GpuSample[] {gpu(0, 0.5, 0.2).build(), gpu(1, 0.5, 0.7).build()}, 0.3),
        Arguments.of(utilization, "MIG: no utilisation (neutral)", new GpuSample[] {GpuSample.builder("MIG-0", 0).memoryTotalBytes(10).memoryFreeBytes(5).build()}, 0.5));
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("table")
  void scores(String type, String name, GpuSample[] gpus, double expected) {
    double score = TestEndpoints.scoreOf(scorer(type), cycle(), TestEndpoints.withVector(0, gpuVector(0, gpus)));
    assertThat(score).isCloseTo(expected, within(1e-9));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {GpuMemoryHeadroomScorer.TYPE, GpuUtilizationScorer.TYPE})
  void staleReadings_areNeutral(String type) {
    for (long ageMillis : new long[] {TestEndpoints.STALE_MS + 1, 60_000}) {
      double score = TestEndpoints.scoreOf(scorer(type), cycle(), TestEndpoints.withVector(0,
          gpuVector(0).withGpus(List.of(gpu(0, 0.9, 0).build()), TestEndpoints.NOW - ageMillis)));
      assertThat(score).as("%d ms old", ageMillis).isEqualTo(0.5);
    }
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {GpuMemoryHeadroomScorer.TYPE, GpuUtilizationScorer.TYPE})
  void endpointsWithoutGpuData_scoreNeutral(String type) {
    EndpointState[] eps = {TestEndpoints.withLabels(0, Map.of()), TestEndpoints.endpoint(1, 0, 0, 0)};
    double[] scores = new double[2];
    scorer(type).score(cycle(), TestEndpoints.views(eps), 2, scores);
    assertThat(scores).containsExactly(0.5, 0.5);
  }
}
