package dev.loadfuse.benchmarks.sidecar;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.sidecar.api.BusSeal;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.api.LoadWireFormat;
import dev.loadfuse.sidecar.api.cluster.ClusterSecret;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What sealing costs a load vector on the clustered bus ({@link BusSeal}: AES-256-GCM with a
 * per-sender key, sent-at time, replay window): {@code plain} writes and reads a typical vector
 * in {@link LoadWireFormat} (a vLLM endpoint with one H100, every GPU field, no LoRA: 327 bytes),
 * {@code sealed} does the same with a seal on the way out and an open on the way in (380 bytes),
 * as one member's codec and another's do. Local delivery (a picker with its sidecar in-process)
 * passes the object by reference and pays neither.
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar BusSealBenchmark -f 1 -wi 3 -i 5 -prof gc}.
 *
 * <p><b>Measured</b> (2026-12-02, JDK 25 Temurin, {@code -f 1 -wi 3 -w 5 -i 5 -r 5 -prof gc};
 * 2-core shared VM, other builds running beside it): see benchmarks/README.md, "Sealing the
 * cluster bus", for the table.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class BusSealBenchmark {

  private static final String CHANNEL = "inference.load.v1";

  private LoadVector vector;
  private BusSeal sender;
  private BusSeal receiver;

  @Setup
  public void setup() {
    GpuSample gpu = GpuSample.builder("GPU-1b2c3d4e-0000-0000-0000-000000000001", 0)
        .name("NVIDIA H100 80GB HBM3")
        .memoryTotalBytes(85899345920L).memoryUsedBytes(64L << 30).memoryFreeBytes(85899345920L - (64L << 30))
        .memoryReservedBytes(536870912L).gpuUtilization(0.87).memoryUtilization(0.41)
        .powerWatts(512.5).powerLimitWatts(700).temperatureC(71).throttleReasonBits(0)
        .energyJoules(1.0e7).migEnabled(false).sampledAtNanos(123456789L)
        .build();
    vector = new LoadVector(new EndpointId("llama3-8b-vllm-7d9f8c6b5-x2k4q", "10.42.3.17", 8000, "llm/llama3-8b-vllm"),
        "vllm", 3, 7, 0.42, null, 16, 81767, List.of(), 1_700_000_000_000L, List.of(gpu), 1_700_000_000_050L,
        true, false, null);
    byte[] key = ClusterSecret.of("a-cluster-secret-for-the-benchmark-only!".getBytes(StandardCharsets.UTF_8)).sealKey();
    sender = new BusSeal(key);
    receiver = new BusSeal(key);
  }

  @Benchmark
  public LoadVector plain() {
    Buffer b = Buffer.buffer(512);
    LoadWireFormat.writeVector(b, vector);
    return LoadWireFormat.readVector(0, b);
  }

  @Benchmark
  public LoadVector sealed() {
    Buffer plain = Buffer.buffer(512);
    LoadWireFormat.writeVector(plain, vector);
    Buffer wire = Buffer.buffer(plain.length() + BusSeal.OVERHEAD);
    sender.seal(CHANNEL, plain, wire);
    return LoadWireFormat.readVector(0, receiver.open(CHANNEL, wire, 0));
  }

  /** Prints the wire sizes (run as a main class). */
  public static void main(String[] args) {
    BusSealBenchmark b = new BusSealBenchmark();
    b.setup();
    Buffer plain = Buffer.buffer();
    LoadWireFormat.writeVector(plain, b.vector);
    Buffer wire = Buffer.buffer();
    b.sender.seal(CHANNEL, plain, wire);
    System.out.println("plain " + plain.length() + " bytes, sealed " + wire.length() + " bytes");
  }
}
