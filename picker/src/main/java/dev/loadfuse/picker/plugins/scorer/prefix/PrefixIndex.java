package dev.loadfuse.picker.plugins.scorer.prefix;

import dev.loadfuse.picker.candidate.EndpointView;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.StampedLock;

/**
 * Which endpoints hold which prompt blocks: a bounded LRU of block hashes per endpoint, and for
 * each hash the endpoints holding it, so a prompt is matched against every endpoint in one pass
 * over its blocks.
 *
 * <p><b>Layout.</b> Built from a few primitive arrays that grow by doubling, with no object per
 * entry, so a large index costs the garbage collector almost nothing to trace:
 *
 * <ul>
 *   <li>a hash table keyed by block hash (linear probing, at most half full, backward-shift
 *       deletion): {@code keys[]} and {@code heads[]}, the first node holding that hash;
 *   <li>a node per (hash, endpoint) pair: {@code nodeHash}, {@code nodeSlot}, {@code nodeNext}
 *       (next holder of the same hash, or next free node), {@code lruPrev}/{@code lruNext} (the
 *       endpoint's recency list);
 *   <li>per endpoint slot: the most and least recent node, the count and the capacity.
 * </ul>
 *
 * That is 24 bytes per node plus 24-48 bytes per distinct hash in the table.
 *
 * <p><b>Threading.</b> Thread-safe: matches share a read lock, updates take the write lock. An update
 * (one pick) touches at most the prompt's blocks.
 */
public final class PrefixIndex {

  private static final int NONE = -1;

  private final StampedLock lock = new StampedLock();

  // endpoint slots
  private final Map<String, Integer> slots = new HashMap<>();
  private String[] slotHost = new String[16];
  private int[] mru = filled(16);
  private int[] lru = filled(16);
  private int[] count = new int[16];
  private int[] capacity = new int[16];
  private int slotHighWater;
  private int[] freeSlots = new int[16];
  private int freeSlotCount;

  // block hash -> first holder node
  private long[] keys;
  private int[] heads;
  private int mask;
  private int shift;
  private int entries;

  // nodes
  private long[] nodeHash;
  private int[] nodeSlot;
  private int[] nodeNext;
  private int[] lruPrev;
  private int[] lruNext;
  private int nodeHighWater;
  private int freeNode = NONE;
  private int liveNodes;

  public PrefixIndex() {
    table(1024);
    nodes(1024);
  }

  /**
   * Writes into {@code matched[i]} how many leading blocks of {@code hashes[0..n)} endpoint {@code
   * candidates[i]} holds, for {@code i} in {@code [0, count)}; returns the largest of them.
   */
  public int match(long[] hashes, int n, EndpointView[] candidates, int count, int[] matched) {
    long stamp = lock.readLock();
    try {
      int e = n == 0 ? NONE : find(hashes[0]);
      if (e == NONE) {
        Arrays.fill(matched, 0, count, 0);
        return 0;
      }
      // Follow the endpoints holding block 0 through the chain; each drops out at its first miss.
      int[] matchedBySlot = new int[slotHighWater];
      int[] alive = new int[slotHighWater];
      int aliveCount = 0;
      for (int node = heads[e]; node != NONE; node = nodeNext[node]) {
        alive[aliveCount++] = nodeSlot[node];
        matchedBySlot[nodeSlot[node]] = 1;
      }
      long[] holders = new long[(slotHighWater + 63) >>> 6];
      for (int b = 1; b < n && aliveCount > 0; b++) {
        e = find(hashes[b]);
        if (e == NONE) {
          break;
        }
        for (int node = heads[e]; node != NONE; node = nodeNext[node]) {
          int s = nodeSlot[node];
          holders[s >>> 6] |= 1L << s;
        }
        int kept = 0;
        for (int i = 0; i < aliveCount; i++) {
          int s = alive[i];
          if ((holders[s >>> 6] & (1L << s)) != 0) {
            matchedBySlot[s] = b + 1;
            alive[kept++] = s;
          }
        }
        aliveCount = kept;
        for (int node = heads[e]; node != NONE; node = nodeNext[node]) {
          holders[nodeSlot[node] >>> 6] = 0;
        }
      }
      int best = 0;
      for (int i = 0; i < count; i++) {
        Integer s = slots.get(candidates[i].hostPort());
        int m = s == null ? 0 : matchedBySlot[s];
        matched[i] = m;
        best = Math.max(best, m);
      }
      return best;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /**
   * Records that {@code hostPort} now holds the blocks {@code hashes[0..n)}, most recent first in
   * prompt order, and trims its LRU to {@code capacity} entries.
   */
  public void record(String hostPort, int capacity, long[] hashes, int n) {
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity: " + capacity + " (expected: >= 1)");
    }
    long stamp = lock.writeLock();
    try {
      int s = slotFor(hostPort);
      this.capacity[s] = capacity;
      // Newest last: the leading blocks, which every later block's match depends on and which other
      // prompts share, end up the most recent and are evicted last.
      for (int i = n - 1; i >= 0; i--) {
        touch(s, hashes[i]);
      }
      while (count[s] > this.capacity[s]) {
        evict(s, lru[s]);
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /** Drops every endpoint not in {@code keep}, with its entries. */
  public void retainOnly(Set<String> keep) {
    long stamp = lock.writeLock();
    try {
      for (int s = 0; s < slotHighWater; s++) {
        if (slotHost[s] != null && !keep.contains(slotHost[s])) {
          removeSlot(s);
        }
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /** Drops {@code hostPort} with its entries; nothing when unknown. */
  public void remove(String hostPort) {
    long stamp = lock.writeLock();
    try {
      Integer s = slots.get(hostPort);
      if (s != null) {
        removeSlot(s);
      }
    } finally {
      lock.unlockWrite(stamp);
    }
  }

  /** Entries held by {@code hostPort}; 0 when unknown. */
  public int size(String hostPort) {
    long stamp = lock.readLock();
    try {
      Integer s = slots.get(hostPort);
      return s == null ? 0 : count[s];
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** The LRU capacity last applied to {@code hostPort}; 0 when unknown. */
  public int capacity(String hostPort) {
    long stamp = lock.readLock();
    try {
      Integer s = slots.get(hostPort);
      return s == null ? 0 : capacity[s];
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Every (hash, endpoint) entry. */
  public int size() {
    long stamp = lock.readLock();
    try {
      return liveNodes;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Distinct block hashes. */
  public int distinctHashes() {
    long stamp = lock.readLock();
    try {
      return entries;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  /** Bytes held by the index's arrays (allocated, not only used), leaving out the endpoint names. */
  public long arrayBytes() {
    long stamp = lock.readLock();
    try {
      return 12L * keys.length + 24L * nodeHash.length + 20L * slotHost.length;
    } finally {
      lock.unlockRead(stamp);
    }
  }

  // ---- under the write lock ----

  private int slotFor(String hostPort) {
    Integer known = slots.get(hostPort);
    if (known != null) {
      return known;
    }
    int s;
    if (freeSlotCount > 0) {
      s = freeSlots[--freeSlotCount];
    } else {
      s = slotHighWater++;
      if (s == slotHost.length) {
        int n = slotHost.length * 2;
        slotHost = Arrays.copyOf(slotHost, n);
        mru = grownFilled(mru, n);
        lru = grownFilled(lru, n);
        count = Arrays.copyOf(count, n);
        capacity = Arrays.copyOf(capacity, n);
      }
    }
    slotHost[s] = hostPort;
    mru[s] = NONE;
    lru[s] = NONE;
    count[s] = 0;
    slots.put(hostPort, s);
    return s;
  }

  private void removeSlot(int s) {
    while (lru[s] != NONE) {
      evict(s, lru[s]);
    }
    slots.remove(slotHost[s]);
    slotHost[s] = null;
    if (freeSlotCount == freeSlots.length) {
      freeSlots = Arrays.copyOf(freeSlots, freeSlots.length * 2);
    }
    freeSlots[freeSlotCount++] = s;
  }

  private void touch(int s, long hash) {
    int e = find(hash);
    if (e != NONE) {
      for (int node = heads[e]; node != NONE; node = nodeNext[node]) {
        if (nodeSlot[node] == s) {
          unlinkLru(s, node);
          linkMru(s, node);
          return;
        }
      }
    }
    int node = newNode(hash, s);
    if (e != NONE) {
      nodeNext[node] = heads[e];
      heads[e] = node;
    } else {
      insert(hash, node);
    }
    linkMru(s, node);
    count[s]++;
  }

  private void evict(int s, int node) {
    unlinkLru(s, node);
    count[s]--;
    int e = find(nodeHash[node]);
    int prev = NONE;
    for (int n = heads[e]; n != NONE; prev = n, n = nodeNext[n]) {
      if (n == node) {
        if (prev == NONE) {
          heads[e] = nodeNext[n];
        } else {
          nodeNext[prev] = nodeNext[n];
        }
        break;
      }
    }
    if (heads[e] == NONE) {
      deleteAt(e);
    }
    nodeNext[node] = freeNode;
    freeNode = node;
    liveNodes--;
  }

  private void linkMru(int s, int node) {
    lruPrev[node] = NONE;
    lruNext[node] = mru[s];
    if (mru[s] != NONE) {
      lruPrev[mru[s]] = node;
    }
    mru[s] = node;
    if (lru[s] == NONE) {
      lru[s] = node;
    }
  }

  private void unlinkLru(int s, int node) {
    int p = lruPrev[node];
    int n = lruNext[node];
    if (p != NONE) {
      lruNext[p] = n;
    } else {
      mru[s] = n;
    }
    if (n != NONE) {
      lruPrev[n] = p;
    } else {
      lru[s] = p;
    }
  }

  private int newNode(long hash, int s) {
    int node;
    if (freeNode != NONE) {
      node = freeNode;
      freeNode = nodeNext[node];
    } else {
      if (nodeHighWater == nodeHash.length) {
        nodes(nodeHash.length * 2);
      }
      node = nodeHighWater++;
    }
    nodeHash[node] = hash;
    nodeSlot[node] = s;
    nodeNext[node] = NONE;
    liveNodes++;
    return node;
  }

  private void nodes(int n) {
    nodeHash = nodeHash == null ? new long[n] : Arrays.copyOf(nodeHash, n);
    nodeSlot = nodeSlot == null ? new int[n] : Arrays.copyOf(nodeSlot, n);
    nodeNext = nodeNext == null ? new int[n] : Arrays.copyOf(nodeNext, n);
    lruPrev = lruPrev == null ? new int[n] : Arrays.copyOf(lruPrev, n);
    lruNext = lruNext == null ? new int[n] : Arrays.copyOf(lruNext, n);
  }

  // ---- the hash table ----

  private int home(long hash) {
    // Fibonacci hashing: the top bits of the product, so any bits of the key spread the entries.
    return (int) ((hash * 0x9E3779B97F4A7C15L) >>> shift);
  }

  private int find(long hash) {
    for (int i = home(hash); ; i = (i + 1) & mask) {
      if (heads[i] == NONE) {
        return NONE;
      }
      if (keys[i] == hash) {
        return i;
      }
    }
  }

  private void insert(long hash, int head) {
    if (entries + 1 > (mask + 1) >>> 1) {
      rehash((mask + 1) * 2);
    }
    int i = home(hash);
    while (heads[i] != NONE) {
      i = (i + 1) & mask;
    }
    keys[i] = hash;
    heads[i] = head;
    entries++;
  }

  /** Removes entry {@code i}, moving later entries of its probe run back so lookups still find them. */
  private void deleteAt(int i) {
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      if (heads[j] == NONE) {
        break;
      }
      int k = home(keys[j]);
      // Entry j may move to i only if its home is not cyclically within (i, j].
      boolean stays = i <= j ? (i < k && k <= j) : (i < k || k <= j);
      if (!stays) {
        keys[i] = keys[j];
        heads[i] = heads[j];
        i = j;
      }
    }
    heads[i] = NONE;
    entries--;
  }

  private void table(int size) {
    keys = new long[size];
    heads = filled(size);
    mask = size - 1;
    shift = 64 - Integer.numberOfTrailingZeros(size);
  }

  private void rehash(int size) {
    long[] oldKeys = keys;
    int[] oldHeads = heads;
    table(size);
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldHeads[i] != NONE) {
        int j = home(oldKeys[i]);
        while (heads[j] != NONE) {
          j = (j + 1) & mask;
        }
        keys[j] = oldKeys[i];
        heads[j] = oldHeads[i];
      }
    }
  }

  private static int[] filled(int n) {
    int[] a = new int[n];
    Arrays.fill(a, NONE);
    return a;
  }

  private static int[] grownFilled(int[] a, int n) {
    int old = a.length;
    int[] b = Arrays.copyOf(a, n);
    Arrays.fill(b, old, n, NONE);
    return b;
  }
}
