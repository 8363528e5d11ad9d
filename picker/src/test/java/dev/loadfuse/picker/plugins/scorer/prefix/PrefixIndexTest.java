package dev.loadfuse.picker.plugins.scorer.prefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PrefixIndexTest {

  private final EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(0, 0, 0));

  private int[] match(PrefixIndex index, long... hashes) {
    int[] matched = new int[eps.length];
    index.match(hashes, hashes.length, eps, eps.length, matched);
    return matched;
  }

  @Test
  void match_countsLeadingBlocksUntilTheFirstMiss() {
    PrefixIndex index = new PrefixIndex();
    index.record(eps[0].hostPort(), 100, new long[] {1, 2, 3, 4}, 4);
    index.record(eps[1].hostPort(), 100, new long[] {1, 2, 9}, 3);
    assertThat(match(index, 1, 2, 3, 4, 5)).containsExactly(4, 2, 0);
    assertThat(match(index, 1, 2, 9)).containsExactly(2, 3, 0);
    assertThat(match(index, 7, 1, 2)).containsExactly(0, 0, 0);
    assertThat(match(index)).containsExactly(0, 0, 0);
    int[] matched = new int[3];
    assertThat(index.match(new long[] {1, 2, 3}, 3, eps, 3, matched)).isEqualTo(3);
  }

  @Test
  void lruEviction_keepsTheCapacity_andEvictsTheLeastRecentPromptFirst() {
    PrefixIndex index = new PrefixIndex();
    String ep = eps[0].hostPort();
    index.record(ep, 4, new long[] {1, 2}, 2);
    index.record(ep, 4, new long[] {3, 4}, 2);
    index.record(ep, 4, new long[] {1, 2}, 2); // touched again: now more recent than {3, 4}
    index.record(ep, 4, new long[] {5}, 1);
    assertThat(index.size(ep)).isEqualTo(4);
    assertThat(match(index, 4)[0]).isZero(); // evicted: the oldest entry
    assertThat(match(index, 3)[0]).isEqualTo(1);
    assertThat(match(index, 1, 2)[0]).isEqualTo(2);
    assertThat(index.size()).isEqualTo(4);
  }

  @Test
  void aPromptLongerThanTheCapacity_keepsItsLeadingBlocks() {
    PrefixIndex index = new PrefixIndex();
    index.record(eps[0].hostPort(), 3, new long[] {1, 2, 3, 4, 5}, 5);
    assertThat(match(index, 1, 2, 3, 4, 5)[0]).isEqualTo(3);
    assertThat(index.size(eps[0].hostPort())).isEqualTo(3);
  }

  @Test
  void remove_andRetainOnly_dropEndpointsWithTheirEntries() {
    PrefixIndex index = new PrefixIndex();
    for (EndpointView e : eps) {
      index.record(e.hostPort(), 10, new long[] {1, 2}, 2);
    }
    index.remove(eps[1].hostPort());
    assertThat(match(index, 1, 2)).containsExactly(2, 0, 2);
    index.retainOnly(Set.of(eps[2].hostPort()));
    assertThat(match(index, 1, 2)).containsExactly(0, 0, 2);
    assertThat(index.size()).isEqualTo(2);
    assertThat(index.distinctHashes()).isEqualTo(2);
    index.record(eps[0].hostPort(), 10, new long[] {1}, 1); // a freed slot is reused
    assertThat(match(index, 1, 2)).containsExactly(1, 0, 2);
  }

  @Test
  void capacityBelowOne_isRejected() {
    assertThatThrownBy(() -> new PrefixIndex().record("a:1", 0, new long[] {1}, 1))
        .hasMessage("capacity: 0 (expected: >= 1)");
  }

  /** Many random picks against a plain model of per-endpoint LRUs: growth, deletion and eviction agree. */
  @Test
  void randomPicks_agreeWithASimpleModel() {
    SplittableRandom random = new SplittableRandom(7);
    EndpointState[] states = new EndpointState[20];
    for (int i = 0; i < states.length; i++) {
      states[i] = TestEndpoints.endpoint(i, 0, 0, 0);
    }
    EndpointView[] many = TestEndpoints.views(states);
    PrefixIndex index = new PrefixIndex();
    Map<String, LinkedHashSet<Long>> model = new HashMap<>();
    for (int step = 0; step < 20_000; step++) {
      String ep = many[random.nextInt(many.length)].hostPort();
      int capacity = 50 + random.nextInt(50);
      int n = 1 + random.nextInt(12);
      long[] hashes = new long[n];
      long family = random.nextInt(400); // shared leading blocks across picks
      for (int i = 0; i < n; i++) {
        hashes[i] = i < 3 ? family * 1000 + i : random.nextLong(5000);
      }
      index.record(ep, capacity, hashes, n);
      LinkedHashSet<Long> lru = model.computeIfAbsent(ep, k -> new LinkedHashSet<>());
      for (int i = n - 1; i >= 0; i--) {
        lru.remove(hashes[i]);
        lru.add(hashes[i]);
      }
      while (lru.size() > capacity) {
        lru.remove(lru.iterator().next());
      }
      if (step % 500 == 0 && random.nextBoolean()) {
        String gone = many[random.nextInt(many.length)].hostPort();
        index.remove(gone);
        model.remove(gone);
      }
      if (step % 97 == 0) {
        long[] probe = hashes.clone();
        int[] matched = new int[many.length];
        index.match(probe, probe.length, many, many.length, matched);
        for (int i = 0; i < many.length; i++) {
          LinkedHashSet<Long> m = model.getOrDefault(many[i].hostPort(), new LinkedHashSet<>());
          int expected = 0;
          while (expected < probe.length && m.contains(probe[expected])) {
            expected++;
          }
          assertThat(matched[i]).as("step %d endpoint %d", step, i).isEqualTo(expected);
        }
      }
    }
    int total = 0;
    List<Long> distinct = new ArrayList<>();
    for (Map.Entry<String, LinkedHashSet<Long>> e : model.entrySet()) {
      assertThat(index.size(e.getKey())).isEqualTo(e.getValue().size());
      total += e.getValue().size();
      distinct.addAll(e.getValue());
    }
    assertThat(index.size()).isEqualTo(total);
    assertThat(index.distinctHashes()).isEqualTo(new LinkedHashSet<>(distinct).size());
  }
}
