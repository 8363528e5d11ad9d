package dev.loadfuse.benchmarks.engine;

import dev.loadfuse.engine.EngineMetricsExtractor;
import dev.loadfuse.engine.EngineSample;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Extracting an {@link EngineSample} from a realistic vLLM V1 page ({@link VllmPage}).
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar ExtractBenchmark -f 1 -wi 3 -i 5
 * -prof gc}. The {@code bytes} counter is page bytes per microsecond, i.e. MB/s (10^6 bytes/s);
 * {@code gc.alloc.rate.norm} is the bytes allocated per scrape.
 *
 * <p>Measured: (filled in below after a run)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ExtractBenchmark {

  private byte[] page;
  private EngineMetricsExtractor extractor;

  /** Counts page bytes so JMH reports throughput in bytes per microsecond (= MB/s). */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bytes {
    public long bytes;

    @Setup(Level.Iteration)
    public void reset() {
      bytes = 0;
    }
  }

  @Setup
  public void setup() {
    page = VllmPage.build();
    extractor = EngineMetricsExtractor.forConfig(ModelServerMetricsConfig.defaults().require("vllm"));
  }

  @Benchmark
  public EngineSample extract(Bytes counter) {
    counter.bytes += page.length;
    return extractor.extract(page, 0, page.length);
  }
}
