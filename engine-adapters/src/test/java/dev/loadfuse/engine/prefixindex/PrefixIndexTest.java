package dev.loadfuse.engine.prefixindex;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.engine.kvevents.KvDelta;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PrefixIndexTest {

  static KvDelta adds(byte op, long... keys) {
    byte[] ops = new byte[keys.length];
    Arrays.fill(ops, op);
    return new KvDelta(false, keys, ops);
  }

  final PrefixIndex index = new PrefixIndex(1000);

  @Test
  void longestConsecutivePrefixPerEndpointWithTierWeights() {
    index.apply("a", 0, adds(KvDelta.ADD_GPU, 1, 2, 3));
    index.apply("b", 0, adds(KvDelta.ADD_GPU, 1, 3, 4)); // misses block 2: stops at 1
    index.apply("c", 0, adds(KvDelta.ADD_CPU, 1, 2));
    PrefixMatch m = index.lookup(new long[] {1, 2, 3, 4}, 4, TierWeights.DEFAULT);
    assertThat(m.totalBlocks()).isEqualTo(4);
    assertThat(m.longestBlocks()).isEqualTo(3);
    assertThat(m.blocks("a")).isEqualTo(3);
    assertThat(m.weighted("a")).isEqualTo(3.0);
    assertThat(m.blocks("b")).isEqualTo(1);
    assertThat(m.blocks("c")).isEqualTo(2);
    assertThat(m.weighted("c")).isEqualTo(1.6);
    assertThat(m.blocks("nobody")).isZero();
  }

  @Test
  void ranksOfOneEndpointCombineTakingTheBestTier() {
    index.apply("a", 0, adds(KvDelta.ADD_CPU, 1, 2));
    index.apply("a", 1, adds(KvDelta.ADD_GPU, 1));
    PrefixMatch m = index.lookup(new long[] {1, 2}, 2, TierWeights.DEFAULT);
    assertThat(m.blocks("a")).isEqualTo(2);
    assertThat(m.weighted("a")).isEqualTo(1.8);
  }

  @Test
  void removalsClearsAndPodDeletion() {
    index.apply("a", 0, adds(KvDelta.ADD_GPU, 1, 2));
    index.apply("a", 0, adds(KvDelta.ADD_CPU, 2));
    index.apply("a", 0, adds(KvDelta.REMOVE_GPU, 2));
    assertThat(index.lookup(new long[] {1, 2}, 2, TierWeights.DEFAULT).weighted("a")).isEqualTo(1.8);
    index.apply("a", 0, adds(KvDelta.REMOVE_CPU, 2));
    assertThat(index.lookup(new long[] {1, 2}, 2, TierWeights.DEFAULT).blocks("a")).isEqualTo(1);
    index.apply("a", 1, adds(KvDelta.ADD_GPU, 7));
    index.apply("b", 0, adds(KvDelta.ADD_GPU, 1));
    index.apply("a", 0, KvDelta.CLEAR); // rank 0 restarted: rank 1 keeps its block
    assertThat(index.entriesOf("a")).isEqualTo(1);
    index.clearEndpoint("a");
    assertThat(index.entriesOf("a")).isZero();
    assertThat(index.size()).isEqualTo(1);
    assertThat(index.lookup(new long[] {1}, 1, TierWeights.DEFAULT).blocks("b")).isEqualTo(1);
  }

  @Test
  void boundedWithLeastRecentlyStoredOut() {
    PrefixIndex small = new PrefixIndex(3);
    small.apply("a", 0, adds(KvDelta.ADD_GPU, 1, 2, 3));
    small.apply("a", 0, adds(KvDelta.ADD_GPU, 1)); // refreshed
    small.apply("a", 0, adds(KvDelta.ADD_GPU, 4)); // evicts 2
    assertThat(small.size()).isEqualTo(3);
    assertThat(small.evictions()).isEqualTo(1);
    assertThat(small.lookup(new long[] {1, 2}, 2, TierWeights.DEFAULT).blocks("a")).isEqualTo(1);
    assertThat(small.lookup(new long[] {3}, 1, TierWeights.DEFAULT).blocks("a")).isEqualTo(1);
  }

  @Test
  void snapshotRebuildsTheSameHolder() {
    index.apply("a", 2, adds(KvDelta.ADD_GPU, 5, 6));
    index.apply("a", 2, adds(KvDelta.ADD_CPU, 6));
    KvDelta snap = index.snapshot("a", 2);
    assertThat(snap.cleared()).isTrue();
    PrefixIndex other = new PrefixIndex(100);
    other.apply("a", 2, snap);
    assertThat(other.lookup(new long[] {5, 6}, 2, TierWeights.DEFAULT).weighted("a")).isEqualTo(2.0);
    assertThat(other.size()).isEqualTo(2);
    assertThat(index.snapshot("nobody", 0)).isEqualTo(KvDelta.CLEAR);
  }

  /** Random adds, removes and clears against a plain model: the same answers, and growth keeps entries. */
  @Test
  void agreesWithAModelUnderChurn() {
    Random r = new Random(7);
    PrefixIndex idx = new PrefixIndex(1 << 16);
    java.util.Map<String, java.util.Set<Long>> model = new java.util.HashMap<>();
    for (int step = 0; step < 50_000; step++) {
      String ep = "e" + r.nextInt(4);
      long key = r.nextInt(5000);
      int what = r.nextInt(100);
      if (what < 70) {
        idx.apply(ep, 0, adds(KvDelta.ADD_GPU, key));
        model.computeIfAbsent(ep, k -> new java.util.HashSet<>()).add(key);
      } else if (what < 99) {
        idx.apply(ep, 0, adds(KvDelta.REMOVE_GPU, key));
        model.computeIfAbsent(ep, k -> new java.util.HashSet<>()).remove(key);
      } else {
        idx.apply(ep, 0, KvDelta.CLEAR);
        model.remove(ep);
      }
    }
    int total = 0;
    for (var e : model.entrySet()) {
      total += e.getValue().size();
      assertThat(idx.entriesOf(e.getKey())).isEqualTo(e.getValue().size());
      for (long k : e.getValue()) {
        assertThat(idx.lookup(new long[] {k}, 1, TierWeights.DEFAULT).blocks(e.getKey())).isEqualTo(1);
      }
    }
    assertThat(idx.size()).isEqualTo(total);
  }

  @Test
  void aFullIndexCostsAtMost64BytesPerEntry() {
    PrefixIndex idx = new PrefixIndex(1 << 14);
    for (int i = 0; i < (1 << 14) + 100; i++) {
      idx.apply("e" + (i % 8), 0, adds(KvDelta.ADD_GPU, i));
    }
    assertThat(idx.size()).isEqualTo(1 << 14);
    assertThat(idx.arrayBytes() / idx.size()).isEqualTo(28);
  }
}
