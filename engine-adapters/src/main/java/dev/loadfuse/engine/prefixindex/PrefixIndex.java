package dev.loadfuse.engine.prefixindex;

import dev.loadfuse.engine.kvevents.KvDelta;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One pool's prefix index: block key → the endpoints holding it, on which tier. Fed with {@link
 * KvDelta}s per holder (an endpoint and a DP rank), asked for the longest cached prefix of a
 * request per endpoint.
 *
 * <p><b>Memory</b>: one entry per (key, holder) in parallel primitive arrays — key (8 bytes),
 * holder and tier bits (4), hash chain (4), LRU links (4 + 4) — plus one 4-byte bucket per entry:
 * 28 bytes per entry once grown, measured in benchmarks/README.md. Bounded by {@code maxEntries};
 * past it the least recently stored entry goes (an engine re-announces what it still holds when
 * it is used again). Arrays grow by doubling, so an idle index is small.
 *
 * <p><b>Threads</b>: writers and readers may be on different threads (a read-write lock; lookups
 * share it). Lookups do not refresh recency: recency is what the engines last stored.
 */
public final class PrefixIndex {

  /** Default bound: 2 Mi entries ≈ 64 MB, above 8 engines × 200k blocks. */
  public static final int DEFAULT_MAX_ENTRIES = 1 << 21;
  /** Holders (endpoint × DP rank) above this are refused. */
  public static final int MAX_HOLDERS = 1 << 20;
  /** Tier bits of an entry. */
  static final int GPU = 1;
  static final int CPU = 2;
  private static final int NIL = -1;
  private static final int INITIAL = 1 << 10;

  private final int maxEntries;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

  private long[] keys = new long[INITIAL];
  /** holder << 2 | tier bits; 0 for a free slot. */
  private int[] holderTier = new int[INITIAL];
  private int[] chain = new int[INITIAL];
  private int[] prev = new int[INITIAL];
  private int[] next = new int[INITIAL];
  private int[] buckets = newBuckets(INITIAL);
  private int used; // slots ever handed out
  private int free = NIL; // free list through chain[]
  private int size;
  private int lruHead = NIL;
  private int lruTail = NIL;
  private long admissions;
  private long evictions;

  private final Map<String, Integer> endpointIds = new HashMap<>();
  private final List<String> endpoints = new ArrayList<>();
  private final Map<Long, Integer> holderIds = new HashMap<>();
  private int[] holderEndpoint = new int[16];
  private int holderCount;
  private int[] holderEntries = new int[16];

  public PrefixIndex(int maxEntries) {
    if (maxEntries < 1) {
      throw new IllegalArgumentException("maxEntries: " + maxEntries + " (expected: >= 1)");
    }
    this.maxEntries = maxEntries;
  }

  public PrefixIndex() {
    this(DEFAULT_MAX_ENTRIES);
  }

  private static int[] newBuckets(int n) {
    int[] b = new int[n];
    Arrays.fill(b, NIL);
    return b;
  }

  private static int hash(long key) {
    long x = key * 0x9E3779B97F4A7C15L;
    return (int) (x ^ (x >>> 32));
  }

  // ---- holders

  private int endpointId(String endpoint) {
    Integer id = endpointIds.get(endpoint);
    if (id == null) {
      id = endpoints.size();
      endpoints.add(endpoint);
      endpointIds.put(endpoint, id);
    }
    return id;
  }

  /** The holder of (endpoint, rank), interned. Call under the write lock. */
  private int holder(String endpoint, int rank) {
    int ep = endpointId(endpoint);
    long k = ((long) ep << 32) | (rank & 0xFFFFFFFFL);
    Integer h = holderIds.get(k);
    if (h == null) {
      if (holderCount >= MAX_HOLDERS) {
        throw new IllegalStateException("holders: " + MAX_HOLDERS + " (expected: fewer endpoints × ranks per pool)");
      }
      h = holderCount++;
      if (h >= holderEndpoint.length) {
        holderEndpoint = Arrays.copyOf(holderEndpoint, h * 2);
        holderEntries = Arrays.copyOf(holderEntries, h * 2);
      }
      holderEndpoint[h] = ep;
      holderIds.put(k, h);
    }
    return h;
  }

  // ---- writes

  /** Applies one holder's delta: clears it first if the delta says so, then the ops in order. */
  public void apply(String endpoint, int rank, KvDelta delta) {
    lock.writeLock().lock();
    try {
      int h = holder(endpoint, rank);
      if (delta.cleared()) {
        clearHolders(h, -1);
      }
      long[] ks = delta.keys();
      byte[] ops = delta.ops();
      for (int i = 0; i < ks.length; i++) {
        byte op = ops[i];
        int tier = (op & 1) == 0 ? GPU : CPU;
        if (KvDelta.isAdd(op)) {
          add(ks[i], h, tier);
        } else {
          remove(ks[i], h, tier);
        }
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Drops every entry of {@code endpoint} (all ranks): the pod went away. */
  public void clearEndpoint(String endpoint) {
    lock.writeLock().lock();
    try {
      Integer ep = endpointIds.get(endpoint);
      if (ep != null) {
        clearHolders(-1, ep);
      }
    } finally {
      lock.writeLock().unlock();
    }
  }

  /** Drops the entries of holder {@code h}, or of every holder of endpoint {@code ep}. */
  private void clearHolders(int h, int ep) {
    boolean any = false;
    if (h >= 0) {
      any = holderEntries[h] > 0;
    } else {
      for (int i = 0; i < holderCount; i++) {
        any |= holderEndpoint[i] == ep && holderEntries[i] > 0;
      }
    }
    if (!any) {
      return;
    }
    for (int slot = 0; slot < used; slot++) {
      int ht = holderTier[slot];
      if (ht == 0) {
        continue;
      }
      int holder = ht >>> 2;
      if (holder == h || (h < 0 && holderEndpoint[holder] == ep)) {
        unlinkAndFree(slot);
      }
    }
  }

  private int find(long key, int h) {
    for (int s = buckets[hash(key) & (buckets.length - 1)]; s != NIL; s = chain[s]) {
      if (keys[s] == key && (holderTier[s] >>> 2) == h) {
        return s;
      }
    }
    return NIL;
  }

  private void add(long key, int h, int tier) {
    int s = find(key, h);
    if (s != NIL) {
      holderTier[s] |= tier;
      lruRemove(s);
      lruAppend(s);
      return;
    }
    if (size >= maxEntries) {
      evictions++;
      unlinkAndFree(lruHead);
    }
    s = allocate();
    keys[s] = key;
    holderTier[s] = (h << 2) | tier;
    int b = hash(key) & (buckets.length - 1);
    chain[s] = buckets[b];
    buckets[b] = s;
    lruAppend(s);
    size++;
    holderEntries[h]++;
    admissions++;
  }

  private void remove(long key, int h, int tier) {
    int s = find(key, h);
    if (s == NIL) {
      return;
    }
    int left = (holderTier[s] & 3) & ~tier;
    if (left == 0) {
      unlinkAndFree(s);
    } else {
      holderTier[s] = (holderTier[s] & ~3) | left;
    }
  }

  private int allocate() {
    if (free != NIL) {
      int s = free;
      free = chain[s];
      return s;
    }
    if (used == keys.length) {
      grow();
    }
    return used++;
  }

  private void grow() {
    int n = (int) Math.min((long) keys.length * 2, Integer.highestOneBit(Math.max(maxEntries - 1, 1)) * 2L);
    n = Math.max(n, keys.length + 1);
    keys = Arrays.copyOf(keys, n);
    holderTier = Arrays.copyOf(holderTier, n);
    chain = Arrays.copyOf(chain, n);
    prev = Arrays.copyOf(prev, n);
    next = Arrays.copyOf(next, n);
    int[] nb = newBuckets(Integer.highestOneBit(n - 1) << 1);
    for (int s = 0; s < used; s++) {
      if (holderTier[s] != 0) {
        int b = hash(keys[s]) & (nb.length - 1);
        chain[s] = nb[b];
        nb[b] = s;
      }
    }
    // free slots are not in any bucket: rebuild the free list
    free = NIL;
    for (int s = used - 1; s >= 0; s--) {
      if (holderTier[s] == 0) {
        chain[s] = free;
        free = s;
      }
    }
    buckets = nb;
  }

  private void unlinkAndFree(int s) {
    int b = hash(keys[s]) & (buckets.length - 1);
    if (buckets[b] == s) {
      buckets[b] = chain[s];
    } else {
      int p = buckets[b];
      while (chain[p] != s) {
        p = chain[p];
      }
      chain[p] = chain[s];
    }
    lruRemove(s);
    holderEntries[holderTier[s] >>> 2]--;
    holderTier[s] = 0;
    chain[s] = free;
    free = s;
    size--;
  }

  private void lruAppend(int s) {
    prev[s] = lruTail;
    next[s] = NIL;
    if (lruTail == NIL) {
      lruHead = s;
    } else {
      next[lruTail] = s;
    }
    lruTail = s;
  }

  private void lruRemove(int s) {
    int p = prev[s];
    int n = next[s];
    if (p == NIL) {
      lruHead = n;
    } else {
      next[p] = n;
    }
    if (n == NIL) {
      lruTail = p;
    } else {
      prev[n] = p;
    }
  }

  // ---- reads

  /**
   * The longest cached prefix of {@code keys[0, n)} per endpoint: an endpoint accrues block {@code
   * i} only if it holds every block before it; each block counts the best tier weight any of the
   * endpoint's ranks holds it on. The walk stops at the first block no remaining endpoint holds.
   */
  public PrefixMatch lookup(long[] blockKeys, int n, TierWeights weights) {
    lock.readLock().lock();
    try {
      int eps = endpoints.size();
      int[] count = new int[eps];
      double[] score = new double[eps];
      double[] blockWeight = new double[eps];
      int gpu = 0;
      for (int i = 0; i < n; i++) {
        long key = blockKeys[i];
        int alive = 0;
        for (int s = buckets[hash(key) & (buckets.length - 1)]; s != NIL; s = chain[s]) {
          if (keys[s] != key) {
            continue;
          }
          int ht = holderTier[s];
          int ep = holderEndpoint[ht >>> 2];
          double w = (ht & GPU) != 0 ? weights.gpu() : weights.cpu();
          if (count[ep] == i) {
            count[ep] = i + 1;
            blockWeight[ep] = w;
            score[ep] += w;
            alive++;
          } else if (count[ep] == i + 1 && w > blockWeight[ep]) {
            score[ep] += w - blockWeight[ep];
            blockWeight[ep] = w;
          }
        }
        if (alive == 0) {
          break;
        }
        gpu = i + 1;
      }
      Map<String, PrefixMatch.Entry> m = new HashMap<>();
      for (int ep = 0; ep < eps; ep++) {
        if (count[ep] > 0) {
          m.put(endpoints.get(ep), new PrefixMatch.Entry(count[ep], score[ep]));
        }
      }
      return new PrefixMatch(n, gpu, m);
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Every key a holder has, with its tier ops ({@link KvDelta#ADD_GPU}/{@link KvDelta#ADD_CPU}), as one cleared delta. */
  public KvDelta snapshot(String endpoint, int rank) {
    lock.readLock().lock();
    try {
      Integer ep = endpointIds.get(endpoint);
      Integer h = ep == null ? null : holderIds.get(((long) ep << 32) | (rank & 0xFFFFFFFFL));
      if (h == null) {
        return KvDelta.CLEAR;
      }
      KvDelta.Builder b = new KvDelta.Builder();
      b.clear();
      for (int s = lruHead; s != NIL; s = next[s]) {
        int ht = holderTier[s];
        if ((ht >>> 2) == h) {
          if ((ht & GPU) != 0) {
            b.op(keys[s], KvDelta.ADD_GPU);
          }
          if ((ht & CPU) != 0) {
            b.op(keys[s], KvDelta.ADD_CPU);
          }
        }
      }
      return b.take();
    } finally {
      lock.readLock().unlock();
    }
  }

  /** (key, holder) entries. */
  public int size() {
    lock.readLock().lock();
    try {
      return size;
    } finally {
      lock.readLock().unlock();
    }
  }

  /** Entries of one endpoint (all ranks). */
  public int entriesOf(String endpoint) {
    lock.readLock().lock();
    try {
      Integer ep = endpointIds.get(endpoint);
      int n = 0;
      for (int h = 0; ep != null && h < holderCount; h++) {
        if (holderEndpoint[h] == ep) {
          n += holderEntries[h];
        }
      }
      return n;
    } finally {
      lock.readLock().unlock();
    }
  }

  public int maxEntries() {
    return maxEntries;
  }

  /** Entries ever added. */
  public long admissions() {
    return admissions;
  }

  /** Entries dropped by the {@code maxEntries} bound. */
  public long evictions() {
    return evictions;
  }

  /** Bytes held by the arrays (the per-entry cost is this over {@link #size()} when full). */
  public long arrayBytes() {
    lock.readLock().lock();
    try {
      return (long) keys.length * 8 + (long) holderTier.length * 4 * 4 + (long) buckets.length * 4;
    } finally {
      lock.readLock().unlock();
    }
  }
}
