package dev.loadfuse.engine.kvevents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.engine.kvevents.KvEvent.AllBlocksCleared;
import dev.loadfuse.engine.kvevents.KvEvent.BlockRemoved;
import dev.loadfuse.engine.kvevents.KvEvent.BlockStored;
import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvEventIngesterTest {

  final BlockKeys keys = new BlockKeys(4, "");
  final KvEventIngester ing = new KvEventIngester(keys, 1000);
  final List<KvDelta> out = new ArrayList<>();

  static int[] range(int from, int n) {
    int[] t = new int[n];
    for (int i = 0; i < n; i++) {
      t[i] = from + i;
    }
    return t;
  }

  static BlockStored stored(long[] hashes, Long parent, int[] tokens, Tier tier) {
    return new BlockStored(hashes, parent != null, parent == null ? 0 : parent, tokens, 4, null, tier, null, -1, null);
  }

  void apply(KvEvent... events) {
    ing.apply(new KvEventBatch(0, List.of(events), 0), out::add);
  }

  @Test
  void storesChainOurKeysAcrossEventsAsTheRequestWould() {
    int[] prompt = range(100, 12);
    long[] expected = keys.chain(keys.root(null), prompt);
    apply(stored(new long[] {11, 12}, null, java.util.Arrays.copyOf(prompt, 8), Tier.GPU));
    apply(stored(new long[] {13}, 12L, java.util.Arrays.copyOfRange(prompt, 8, 12), Tier.GPU));
    assertThat(out).hasSize(2);
    assertThat(out.get(0).keys()).containsExactly(expected[0], expected[1]);
    assertThat(out.get(1).keys()).containsExactly(expected[2]);
    assertThat(out.get(1).ops()).containsExactly(KvDelta.ADD_GPU);
  }

  @Test
  void unknownParentIsDroppedAndCounted() {
    apply(stored(new long[] {13}, 999L, range(0, 4), Tier.GPU));
    assertThat(out).isEmpty();
    assertThat(ing.droppedUnknownParent()).isEqualTo(1);
  }

  @Test
  void removalsAreReferenceCountedPerTier() {
    apply(stored(new long[] {1}, null, range(0, 4), Tier.GPU), stored(new long[] {1}, null, range(0, 4), Tier.GPU));
    assertThat(out.getFirst().keys()).hasSize(1);
    out.clear();
    apply(new BlockRemoved(new long[] {1}, Tier.GPU, -1));
    assertThat(out).isEmpty();
    apply(new BlockRemoved(new long[] {1}, Tier.GPU, -1));
    assertThat(out.getFirst().ops()).containsExactly(KvDelta.REMOVE_GPU);
    assertThat(ing.engineBlockCount()).isZero();
  }

  @Test
  void tokenlessStoreAddsAnOffloadTierToKnownBlocks() {
    apply(stored(new long[] {1}, null, range(0, 4), Tier.GPU));
    long key = out.getFirst().keys()[0];
    out.clear();
    apply(new BlockStored(new long[] {1, 77}, false, 0, new int[0], 0, null, Tier.CPU, null, -1, null));
    assertThat(out.getFirst().keys()).containsExactly(key);
    assertThat(out.getFirst().ops()).containsExactly(KvDelta.ADD_CPU);
    out.clear();
    apply(new BlockRemoved(new long[] {1}, Tier.GPU, -1));
    assertThat(out.getFirst().ops()).containsExactly(KvDelta.REMOVE_GPU);
    assertThat(ing.engineBlockCount()).isEqualTo(1);
  }

  @Test
  void clearedResetsEverything() {
    apply(stored(new long[] {1}, null, range(0, 4), Tier.GPU), AllBlocksCleared.INSTANCE);
    assertThat(out.getFirst().cleared()).isTrue();
    assertThat(out.getFirst().keys()).isEmpty();
    assertThat(ing.engineBlockCount()).isZero();
  }

  @Test
  void engineBlocksOfAnotherSizeMapByRatio() {
    // engine block 2 tokens, ours 4: 4 engine hashes → 2 own keys; a removal of either half evicts the key
    apply(new BlockStored(new long[] {1, 2, 3, 4}, false, 0, range(0, 8), 2, null, Tier.GPU, null, -1, null));
    long[] own = keys.chain(keys.root(null), range(0, 8));
    assertThat(out.getFirst().keys()).containsExactly(own[0], own[0], own[1], own[1]);
    out.clear();
    apply(new BlockRemoved(new long[] {4}, Tier.GPU, -1));
    assertThat(out.getFirst().keys()).containsExactly(own[1]);
    // a child of engine block 4 chains from its own key
    apply(new BlockStored(new long[] {5, 6}, true, 2, range(8, 4), 2, null, Tier.GPU, null, -1, null));
    assertThat(out.getLast().keys()).containsExactly(keys.next(own[0], range(8, 4), 0), keys.next(own[0], range(8, 4), 0));
  }

  @Test
  void engineMapIsBounded() {
    KvEventIngester small = new KvEventIngester(keys, 2);
    for (int i = 0; i < 5; i++) {
      small.apply(new KvEventBatch(0, List.of(stored(new long[] {i}, null, range(i * 4, 4), Tier.GPU)), -1), d -> { });
    }
    assertThat(small.engineBlockCount()).isEqualTo(2);
    assertThat(small.droppedEngineBlocks()).isEqualTo(3);
  }

  @Test
  void loraBlocksLiveUnderTheirAdapterRoot() {
    apply(new BlockStored(new long[] {1}, false, 0, range(0, 4), 4, "sql", Tier.GPU, null, -1, null));
    assertThat(out.getFirst().keys()).containsExactly(keys.next(keys.root("sql"), range(0, 4), 0));
    assertThat(keys.root("sql")).isNotEqualTo(keys.root(null));
    assertThat(new BlockKeys(4, "seed").root(null)).isNotEqualTo(keys.root(null));
  }
}
