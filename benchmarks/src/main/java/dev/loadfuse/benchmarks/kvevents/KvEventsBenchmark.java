package dev.loadfuse.benchmarks.kvevents;

import dev.loadfuse.engine.kvevents.BlockKeys;
import dev.loadfuse.engine.kvevents.KvDelta;
import dev.loadfuse.engine.kvevents.KvEvent;
import dev.loadfuse.engine.kvevents.KvEvent.BlockRemoved;
import dev.loadfuse.engine.kvevents.KvEvent.BlockStored;
import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import dev.loadfuse.engine.kvevents.KvEventBatch;
import dev.loadfuse.engine.kvevents.KvEventDecoder;
import dev.loadfuse.engine.kvevents.KvEventEncoder;
import dev.loadfuse.engine.kvevents.KvEventFormatException;
import dev.loadfuse.engine.kvevents.KvEventIngester;
import dev.loadfuse.engine.prefixindex.PrefixIndex;
import dev.loadfuse.engine.prefixindex.PrefixMatch;
import dev.loadfuse.engine.prefixindex.TierWeights;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
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
 * KV-cache event ingest and prefix-index lookup (precise prefix-cache routing).
 *
 * <ul>
 *   <li>{@code ingest}: one vLLM payload (map-encoded, 32 {@code BlockStored} of 8 blocks × 16
 *       tokens = 256 blocks) decoded, turned into our keys and applied to the index; the next op
 *       removes them again (a {@code BlockRemoved} payload), so the index stays small. The {@code
 *       blocks} counter is blocks per microsecond (×10^6 = blocks/s).
 *   <li>{@code lookup8k}: the longest cached prefix of an 8,000-token prompt (500 blocks of 16)
 *       in an index of 8 endpoints × 2,000 prefixes of 500 blocks (8 M entries would not fit the
 *       default bound; 1 M entries here), sampled for p99.
 * </ul>
 *
 * <p>Run: {@code java -jar benchmarks/target/benchmarks.jar KvEventsBenchmark -f 1 -wi 2 -i 3 -w 3s
 * -r 5s}. <b>Measured</b> (2026-12-02, Temurin 25, 2-core shared VM at load average 10-14): ingest
 * 1.86 M blocks/s mean (± 10.4 M at 99.9 %, the neighbours' builds); lookup8k p50 2.5 µs, p99 46
 * µs. Details: benchmarks/README.md, "Precise prefix-cache routing".
 */
@State(Scope.Thread)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class KvEventsBenchmark {

  static final int BLOCK = 16;
  static final int EVENTS = 32;
  static final int BLOCKS_PER_EVENT = 8;

  private byte[] store;
  private byte[] remove;
  private KvEventIngester ingester;
  private PrefixIndex ingestIndex;
  private boolean stored;

  private PrefixIndex index;
  private long[] prompt;

  /** Counts blocks so JMH reports them per microsecond. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Blocks {
    public long blocks;

    @Setup(Level.Iteration)
    public void reset() {
      blocks = 0;
    }
  }

  @Setup
  public void setUp() {
    SplittableRandom r = new SplittableRandom(7);
    List<KvEvent> stores = new ArrayList<>();
    List<KvEvent> removes = new ArrayList<>();
    long hash = 1;
    for (int e = 0; e < EVENTS; e++) {
      long[] hashes = new long[BLOCKS_PER_EVENT];
      int[] tokens = new int[BLOCKS_PER_EVENT * BLOCK];
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = r.nextInt(150_000);
      }
      for (int i = 0; i < hashes.length; i++) {
        hashes[i] = hash++ * 0x9E3779B97F4A7C15L;
      }
      stores.add(new BlockStored(hashes, false, 0, tokens, BLOCK, null, Tier.GPU, null, -1, null));
      removes.add(new BlockRemoved(hashes, Tier.GPU, -1));
    }
    store = KvEventEncoder.encode(new KvEventBatch(1, stores, 0), KvEventEncoder.Encoding.MAP);
    remove = KvEventEncoder.encode(new KvEventBatch(2, removes, 0), KvEventEncoder.Encoding.MAP);
    BlockKeys keys = new BlockKeys(BLOCK, "");
    ingester = new KvEventIngester(keys, 1 << 16);
    ingestIndex = new PrefixIndex(1 << 16);

    index = new PrefixIndex(1 << 21);
    int[] tokens = new int[8000];
    for (int p = 0; p < 2000; p++) {
      for (int i = 0; i < tokens.length; i++) {
        tokens[i] = r.nextInt(150_000);
      }
      long[] chain = keys.chain(keys.root(null), tokens);
      byte[] ops = new byte[chain.length];
      index.apply("ep-" + (p % 8), 0, new KvDelta(false, chain, ops));
      if (p == 1999) {
        prompt = chain;
      }
    }
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  public int ingest(Blocks counter) throws KvEventFormatException {
    KvEventBatch b = KvEventDecoder.decode(stored ? remove : store);
    stored = !stored;
    int[] n = {0};
    ingester.apply(b, d -> {
      ingestIndex.apply("ep", 0, d);
      n[0] += d.keys().length;
    });
    counter.blocks += EVENTS * BLOCKS_PER_EVENT;
    return n[0];
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  public PrefixMatch lookup8k() {
    return index.lookup(prompt, prompt.length, TierWeights.DEFAULT);
  }
}
