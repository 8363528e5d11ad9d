package dev.loadfuse.picker.plugins.scorer.gpuutilization;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static dev.loadfuse.picker.testing.TestEndpoints.gpu;
import static dev.loadfuse.picker.testing.TestEndpoints.gpuVector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class GpuUtilizationScorerTest {

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("idle GPU", new GpuSample[] {gpu(0, 0.5, 0).build()}, 1.0),
        Arguments.of("busy GPU", new GpuSample[] {gpu(0, 0.5, 0.9).build()}, 0.1),
        Arguments.of("the busiest of two GPUs counts", new GpuSample[] {gpu(0, 0.5, 0.2).build(), gpu(1, 0.5, 0.7).build()}, 0.3),
        Arguments.of("MIG: no utilisation (neutral)", new GpuSample[] {GpuSample.builder("MIG-0", 0).memoryTotalBytes(10).memoryFreeBytes(5).build()}, 0.5));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void scores(String name, GpuSample[] gpus, double expected) {
    double score = TestEndpoints.scoreOf(new GpuUtilizationScorer("u"), cycle(),
        TestEndpoints.withVector(0, gpuVector(0, gpus)));
    assertThat(score).isCloseTo(expected, within(1e-9));
  }

  @Test
  void endpointsWithoutGpuData_scoreNeutral() {
    EndpointState[] eps = {TestEndpoints.withLabels(0, Map.of()), TestEndpoints.endpoint(1, 0, 0, 0)};
    double[] scores = new double[2];
    new GpuUtilizationScorer("u").score(cycle(), TestEndpoints.views(eps), 2, scores);
    assertThat(scores).containsExactly(0.5, 0.5);
  }
}
