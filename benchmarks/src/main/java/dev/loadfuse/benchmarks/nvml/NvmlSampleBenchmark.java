package dev.loadfuse.benchmarks.nvml;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeResult;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.fake.FakeNvml;
import dev.loadfuse.nvml.fake.FakeNvmlLibrary;
import dev.loadfuse.nvml.ffm.NvmlLibrary;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Java-side cost of reading GPUs through the FFM bindings: {@link GpuProbe#sample()} of
 * {@code gpus} GPUs, every field (8 downcalls per GPU: memory v2, utilisation, power, power
 * limit, temperature, clocks-event reasons, energy, MIG mode), against the fake
 * libnvidia-ml.so.1 from nvml-bindings' test-jar (built with gcc into a temporary folder at
 * setup). The fake answers in nanoseconds, so this is the binding's overhead; a real driver
 * adds its ioctl time on top. {@code downcall} is one bare {@code nvmlDeviceGetPowerUsage} for
 * the floor of a single FFM call.
 *
 * <p>Target: under 20 µs of Java-side overhead per GPU sample.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar NvmlSample -f 1 -wi 3 -i 5 -prof gc}
 *
 * <p>Measured 2026-11-22 on the 2-core shared VM (load average ~4 from a parallel build),
 * Temurin 25.0.3, G1, 1 fork, 3 × 1 s warm-up, 5 × 1 s:
 *
 * <pre>
 * Benchmark                             (gpus)  Mode  Cnt  Score    Error  Units
 * NvmlSampleBenchmark.downcall             N/A  avgt    5  0.030 ±  0.001  us/op
 * NvmlSampleBenchmark.downcall:alloc.norm  N/A  avgt    5  0.001 ±  0.009   B/op
 * NvmlSampleBenchmark.sample                 1  avgt    5  0.392 ±  0.053  us/op
 * NvmlSampleBenchmark.sample:alloc.norm      1  avgt    5  848.0 ±  0.1     B/op
 * NvmlSampleBenchmark.sample                 8  avgt    5  4.879 ±  2.231  us/op
 * NvmlSampleBenchmark.sample:alloc.norm      8  avgt    5   4016 ±  1       B/op
 * </pre>
 *
 * <p>So about 0.4 to 0.6 µs and ~450 B of heap per GPU sample (the 8-GPU figure is noisy from
 * the neighbouring build): 30 to 50 times under the 20 µs target. The eight downcalls take
 * about 0.25 µs of it; the rest is the immutable sample (its Optional fields, the snapshot's
 * map). A bare downcall allocates nothing, and native memory does not grow (NvmlGpuProbeTest
 * counts the arena's allocations over 10,000 samples).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class NvmlSampleBenchmark {

  /** A probe over the fake with {@code gpus} GPUs. */
  @State(Scope.Benchmark)
  public static class Probe {
    @Param({"1", "8"})
    public int gpus;

    Path dir;
    GpuProbe probe;

    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = Files.createTempDirectory("loadfuse-fake-nvml");
      Path library = FakeNvmlLibrary.build(dir);
      FakeNvml.of(library).reset().setDeviceCount(gpus);
      probe = switch (GpuProbes.nvml(library)) {
        case GpuProbeResult.Available a -> a.probe();
        case GpuProbeResult.Unavailable u -> throw new IllegalStateException(u.reason());
      };
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      probe.close();
      deleteRecursively(dir);
    }
  }

  /** The raw bindings, a device handle and an out-parameter, for one bare downcall. */
  @State(Scope.Benchmark)
  public static class Downcall {
    Path dir;
    Arena arena;
    NvmlLibrary nvml;
    MemorySegment device;
    MemorySegment milliwatts;

    @Setup(Level.Trial)
    @SuppressWarnings("restricted") // loads the fake directly, below the probe
    public void open() throws Exception {
      dir = Files.createTempDirectory("loadfuse-fake-nvml");
      Path library = FakeNvmlLibrary.build(dir);
      FakeNvml.of(library).reset();
      arena = Arena.ofShared();
      nvml = NvmlLibrary.bind(SymbolLookup.libraryLookup(library, arena));
      check(nvml.nvmlInit_v2());
      MemorySegment handle = arena.allocate(ADDRESS);
      check(nvml.nvmlDeviceGetHandleByIndex_v2(0, handle));
      device = handle.get(ADDRESS, 0);
      milliwatts = arena.allocate(JAVA_INT);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
      nvml.nvmlShutdown();
      arena.close();
      deleteRecursively(dir);
    }

    private static void check(int rc) {
      if (rc != 0) {
        throw new IllegalStateException("fake NVML returned " + rc);
      }
    }
  }

  @Benchmark
  public GpuSnapshot sample(Probe state) {
    return state.probe.sample();
  }

  @Benchmark
  public int downcall(Downcall state) {
    return state.nvml.nvmlDeviceGetPowerUsage(state.device, state.milliwatts);
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
