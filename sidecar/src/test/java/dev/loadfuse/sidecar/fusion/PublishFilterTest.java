package dev.loadfuse.sidecar.fusion;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.ThrottleReason;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PublishFilterTest {

  private static final long TOTAL = 80L << 30;
  private static final EndpointId ID = new EndpointId("vllm-0", "10.0.0.7", 8000, "ns/pool");
  private static final PublishFilter FILTER = PublishFilter.DEFAULTS;

  private static GpuSample.Builder gpu0() {
    return GpuSample.builder("GPU-aaaa", 0).name("NVIDIA H100 80GB HBM3")
        .memoryTotalBytes(TOTAL).memoryUsedBytes(60L << 30).memoryFreeBytes(20L << 30).memoryReservedBytes(512L << 20)
        .gpuUtilization(0.50).memoryUtilization(0.30)
        .powerWatts(400).powerLimitWatts(700).temperatureC(60)
        .throttleReasons(EnumSet.of(ThrottleReason.SW_POWER_CAP))
        .energyJoules(1.0e7).migEnabled(false).sampledAtNanos(1_000);
  }

  private static GpuSample gpu1() {
    return GpuSample.builder("GPU-bbbb", 1).name("NVIDIA H100 80GB HBM3").memoryTotalBytes(TOTAL)
        .memoryUsedBytes(1L << 30).memoryFreeBytes(TOTAL - (1L << 30)).temperatureC(40).sampledAtNanos(1_000).build();
  }

  private static LoadVector base() {
    return new LoadVector(ID, "vllm", 3, 7, 0.42, new LoraInfo(List.of("sql-lora"), List.of(), OptionalInt.of(4)),
        16, 81767, List.of(), 1_700_000_000_000L, List.of(gpu0().build(), gpu1()), 1_700_000_000_050L,
        true, false, null);
  }

  private static LoadVector engine(LoadVector v, double waiting, double running, double kv, LoraInfo lora,
      long blockSize, long blocks, List<String> missing) {
    return new LoadVector(v.endpoint(), v.engine(), waiting, running, kv, lora, blockSize, blocks, missing,
        v.engineSampledAtMillis(), v.gpus(), v.gpuSampledAtMillis(), v.healthy(), v.gpuLost(), v.lastError());
  }

  /** The base vector with GPU 0 changed by {@code change}. */
  private static UnaryOperator<LoadVector> gpu(UnaryOperator<GpuSample.Builder> change) {
    return v -> {
      List<GpuSample> gpus = new ArrayList<>(v.gpus());
      gpus.set(0, change.apply(gpus.getFirst().toBuilder()).build());
      return v.withGpus(gpus, v.gpuSampledAtMillis());
    };
  }

  static Stream<Arguments> changes() {
    LoraInfo lora = base().lora();
    return Stream.of(
        // ---- never a reason on their own
        Arguments.of("nothing", (UnaryOperator<LoadVector>) v -> v, null),
        Arguments.of("engine sample time", (UnaryOperator<LoadVector>) v -> new LoadVector(v.endpoint(), v.engine(),
            v.waitingRequests(), v.runningRequests(), v.kvCacheUsage(), v.lora(), v.cacheBlockSize(), v.numGpuBlocks(),
            v.missingMetrics(), v.engineSampledAtMillis() + 100, v.gpus(), v.gpuSampledAtMillis(), v.healthy(),
            v.gpuLost(), v.lastError()), null),
        Arguments.of("GPU sample times", (UnaryOperator<LoadVector>) v -> gpu(b -> b.sampledAtNanos(99_000)).apply(
            v.withGpus(v.gpus(), v.gpuSampledAtMillis() + 100)), null),
        Arguments.of("energy counter", gpu(b -> b.energyJoules(1.0e7 + 5_000)), null),
        // ---- engine values routing reads: any change
        Arguments.of("waiting", (UnaryOperator<LoadVector>) v -> engine(v, 4, 7, 0.42, lora, 16, 81767, List.of()),
            "waitingRequests"),
        Arguments.of("waiting becomes absent", (UnaryOperator<LoadVector>) v -> engine(v, Double.NaN, 7, 0.42, lora,
            16, 81767, List.of()), "waitingRequests"),
        Arguments.of("running", (UnaryOperator<LoadVector>) v -> engine(v, 3, 8, 0.42, lora, 16, 81767, List.of()),
            "runningRequests"),
        Arguments.of("KV usage, however small", (UnaryOperator<LoadVector>) v -> engine(v, 3, 7, 0.4201, lora, 16,
            81767, List.of()), "kvCacheUsage"),
        Arguments.of("LoRA", (UnaryOperator<LoadVector>) v -> engine(v, 3, 7, 0.42,
            new LoraInfo(List.of("sql-lora"), List.of("chat-lora"), OptionalInt.of(4)), 16, 81767, List.of()), "lora"),
        Arguments.of("block size", (UnaryOperator<LoadVector>) v -> engine(v, 3, 7, 0.42, lora, 32, 81767, List.of()),
            "cacheBlockSize"),
        Arguments.of("GPU blocks", (UnaryOperator<LoadVector>) v -> engine(v, 3, 7, 0.42, lora, 16, 1000, List.of()),
            "numGpuBlocks"),
        Arguments.of("missing metrics", (UnaryOperator<LoadVector>) v -> engine(v, 3, 7, 0.42, lora, 16, 81767,
            List.of("vllm:lora_requests_info")), "missingMetrics"),
        Arguments.of("engine name", (UnaryOperator<LoadVector>) v -> v.withEngine("sglang"), "engine"),
        Arguments.of("endpoint", (UnaryOperator<LoadVector>) v -> v.withEndpoint(new EndpointId("vllm-0", "10.0.0.8",
            8000, "ns/pool")), "endpoint"),
        Arguments.of("health", (UnaryOperator<LoadVector>) v -> v.withHealth(false, false, null), "healthy"),
        Arguments.of("GPU lost", (UnaryOperator<LoadVector>) v -> v.withHealth(true, true, null), "gpuLost"),
        Arguments.of("last error", (UnaryOperator<LoadVector>) v -> v.withHealth(true, false, "HTTP 503"), "lastError"),
        // ---- the GPU set and flags: any change
        Arguments.of("a GPU less", (UnaryOperator<LoadVector>) v -> v.withGpus(List.of(v.gpus().getFirst()), 1), "gpus"),
        Arguments.of("another GPU", (UnaryOperator<LoadVector>) v -> v.withGpus(List.of(v.gpus().getFirst(),
            GpuSample.builder("GPU-cccc", 1).temperatureC(40).build()), 1), "gpus[1].uuid"),
        Arguments.of("GPU lost flag", (UnaryOperator<LoadVector>) v -> v.withGpus(List.of(v.gpus().getFirst(),
            GpuSample.lost("GPU-bbbb", 1, Optional.of("NVIDIA H100 80GB HBM3"), 1)), 1), "gpus[1].lost"),
        Arguments.of("throttle reasons", gpu(b -> b.throttleReasons(EnumSet.of(ThrottleReason.SW_POWER_CAP,
            ThrottleReason.HW_SLOWDOWN))), "gpus[0].throttleReasonBits"),
        Arguments.of("GPU idle bit", gpu(b -> b.throttleReasons(EnumSet.of(ThrottleReason.GPU_IDLE))),
            "gpus[0].throttleReasonBits"),
        Arguments.of("MIG mode", gpu(b -> b.migEnabled(true)), "gpus[0].migEnabled"),
        Arguments.of("total memory", gpu(b -> b.memoryTotalBytes(TOTAL / 2)), "gpus[0].memoryTotalBytes"),
        Arguments.of("power limit", gpu(b -> b.powerLimitWatts(350)), "gpus[0].powerLimitWatts"),
        // ---- continuous readings: within the tolerance, no; at or beyond it, yes
        Arguments.of("temperature +1", gpu(b -> b.temperatureC(61)), null),
        Arguments.of("temperature -1", gpu(b -> b.temperatureC(59)), null),
        Arguments.of("temperature +2", gpu(b -> b.temperatureC(62)), "gpus[0].temperatureC"),
        Arguments.of("temperature -5", gpu(b -> b.temperatureC(55)), "gpus[0].temperatureC"),
        Arguments.of("GPU utilisation +0.04", gpu(b -> b.gpuUtilization(0.54)), null),
        Arguments.of("GPU utilisation +0.05", gpu(b -> b.gpuUtilization(0.55)), "gpus[0].gpuUtilization"),
        Arguments.of("GPU utilisation -0.30", gpu(b -> b.gpuUtilization(0.20)), "gpus[0].gpuUtilization"),
        Arguments.of("memory utilisation +0.04", gpu(b -> b.memoryUtilization(0.34)), null),
        Arguments.of("memory utilisation -0.05", gpu(b -> b.memoryUtilization(0.25)), "gpus[0].memoryUtilization"),
        Arguments.of("memory used +0.5 % of total", gpu(b -> b.memoryUsedBytes((60L << 30) + TOTAL / 200)), null),
        Arguments.of("memory used +1 % of total", gpu(b -> b.memoryUsedBytes((60L << 30) + TOTAL / 100)),
            "gpus[0].memoryUsedBytes"),
        Arguments.of("memory free -2 % of total", gpu(b -> b.memoryFreeBytes((20L << 30) - TOTAL / 50)),
            "gpus[0].memoryFreeBytes"),
        Arguments.of("memory reserved +1 % of total", gpu(b -> b.memoryReservedBytes((512L << 20) + TOTAL / 100)),
            "gpus[0].memoryReservedBytes"),
        Arguments.of("power +60 W (limit 700 W)", gpu(b -> b.powerWatts(460)), null),
        Arguments.of("power +70 W (limit 700 W)", gpu(b -> b.powerWatts(470)), "gpus[0].powerWatts"),
        Arguments.of("power -300 W", gpu(b -> b.powerWatts(100)), "gpus[0].powerWatts"),
        // ---- a reading appearing or disappearing counts
        Arguments.of("temperature no longer readable", (UnaryOperator<LoadVector>) v -> v.withGpus(List.of(
            without(v.gpus().getFirst(), "temperature"), v.gpus().get(1)), 1), "gpus[0].temperatureC"),
        Arguments.of("utilisation no longer readable (MIG)", (UnaryOperator<LoadVector>) v -> v.withGpus(List.of(
            without(v.gpus().getFirst(), "utilization"), v.gpus().get(1)), 1), "gpus[0].gpuUtilization"));
  }

  /** {@code s} without one reading (the builder cannot clear a field, so the record is rebuilt). */
  private static GpuSample without(GpuSample s, String reading) {
    return new GpuSample(s.uuid(), s.index(), s.name(), s.memoryTotalBytes(), s.memoryUsedBytes(), s.memoryFreeBytes(),
        s.memoryReservedBytes(),
        reading.equals("utilization") ? OptionalDouble.empty() : s.gpuUtilization(),
        s.memoryUtilization(), s.powerWatts(), s.powerLimitWatts(),
        reading.equals("temperature") ? OptionalInt.empty() : s.temperatureC(),
        s.throttleReasonBits(), s.energyJoules(), s.migEnabled(), s.lost(), s.sampledAtNanos());
  }

  @ParameterizedTest(name = "{0} -> {2}")
  @MethodSource("changes")
  void publishesWhatRoutingReads_andNothingElse(String what, UnaryOperator<LoadVector> change, String reason) {
    LoadVector published = base();
    LoadVector next = change.apply(published);

    assertThat(FILTER.reason(published, next)).isEqualTo(reason);
    assertThat(FILTER.shouldPublish(published, next)).isEqualTo(reason != null);
  }

  @Test
  void firstVector_isAlwaysPublished() {
    assertThat(FILTER.reason(null, base())).isEqualTo("first vector");
  }

  @Test
  void slowDrift_isPublishedOnceItAddsUpFromTheLastPublishedValue() {
    LoadVector published = base();
    List<Integer> publishedAt = new ArrayList<>();
    for (int t = 61; t <= 70; t++) {
      int temperature = t;
      LoadVector next = gpu(b -> b.temperatureC(temperature)).apply(published);
      if (FILTER.shouldPublish(published, next)) {
        publishedAt.add(t);
        published = next;
      }
    }
    assertThat(publishedAt).containsExactly(62, 64, 66, 68, 70);
  }

  @Test
  void jitterAroundASteadyValue_isNeverPublished() {
    LoadVector published = base();
    for (int i = 0; i < 100; i++) {
      int wobble = i % 2;
      LoadVector next = gpu(b -> b.temperatureC(60 + wobble).powerWatts(400 + 30 * wobble).gpuUtilization(0.5 + 0.02 * wobble)
          .memoryUsedBytes((60L << 30) + wobble * (100L << 20)).energyJoules(1.0e7 + 300.0 * wobble)
          .sampledAtNanos(1_000 + wobble)).apply(published);
      assertThat(FILTER.reason(published, next)).as("sample %d", i).isNull();
    }
  }

  @Test
  void withoutALimitOrATotal_powerAndMemoryUseTheirFallbacks() {
    LoadVector published = base().withGpus(List.of(GpuSample.builder("GPU-aaaa", 0).powerWatts(100)
        .memoryUsedBytes(1000).build()), 1);
    LoadVector power40 = published.withGpus(List.of(GpuSample.builder("GPU-aaaa", 0).powerWatts(140)
        .memoryUsedBytes(1000).build()), 1);
    LoadVector power50 = published.withGpus(List.of(GpuSample.builder("GPU-aaaa", 0).powerWatts(150)
        .memoryUsedBytes(1000).build()), 1);
    LoadVector memory = published.withGpus(List.of(GpuSample.builder("GPU-aaaa", 0).powerWatts(100)
        .memoryUsedBytes(1001).build()), 1);

    assertThat(FILTER.reason(published, power40)).isNull();
    assertThat(FILTER.reason(published, power50)).isEqualTo("gpus[0].powerWatts");
    assertThat(FILTER.reason(published, memory)).isEqualTo("gpus[0].memoryUsedBytes");
  }

  @Test
  void invalidTolerances_nameTheField() {
    assertThatThrownBy(() -> new PublishFilter(0, 0.05, 0.01, 0.1, 50))
        .hasMessage("temperatureC: 0 (expected: >= 1)");
    assertThatThrownBy(() -> new PublishFilter(2, 0, 0.01, 0.1, 50))
        .hasMessage("utilization: 0.0 (expected: (0, 1])");
    assertThatThrownBy(() -> new PublishFilter(2, 0.05, 1.5, 0.1, 50))
        .hasMessage("memoryFractionOfTotal: 1.5 (expected: (0, 1])");
    assertThatThrownBy(() -> new PublishFilter(2, 0.05, 0.01, Double.NaN, 50))
        .hasMessage("powerFractionOfLimit: NaN (expected: (0, 1])");
    assertThatThrownBy(() -> new PublishFilter(2, 0.05, 0.01, 0.1, -1))
        .hasMessage("powerWatts: -1.0 (expected: > 0)");
  }
}
