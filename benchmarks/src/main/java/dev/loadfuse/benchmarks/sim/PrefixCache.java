package dev.loadfuse.benchmarks.sim;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The KV cache of one simulated engine: a fixed number of blocks, of which full prompt blocks are
 * kept by content hash after their request ends (automatic prefix caching, as vLLM does) and
 * evicted least-recently-used when space is needed. Blocks held by running requests are never
 * evicted. Not thread-safe (owned by {@link EngineModel}).
 */
final class PrefixCache {

  private final int totalBlocks;
  /** Hashed blocks in use by at least one running request, with their reference counts. */
  private final Map<Long, Integer> referenced = new HashMap<>();
  /** Hashed blocks no request uses, oldest first: free space that still gives hits. */
  private final LinkedHashMap<Long, Boolean> evictable = new LinkedHashMap<>(16, 0.75f, true);
  /** Blocks that hold no reusable prefix (the output, a partial last prompt block). */
  private int privateBlocks;

  PrefixCache(int totalBlocks) {
    this.totalBlocks = totalBlocks;
  }

  /** Leading blocks of {@code hashes} that are resident. */
  int matchedBlocks(long[] hashes) {
    int n = 0;
    for (long h : hashes) {
      if (!referenced.containsKey(h) && !evictable.containsKey(h)) {
        break;
      }
      n++;
    }
    return n;
  }

  /**
   * Whether a request with these prompt block hashes and {@code extraBlocks} private blocks fits
   * now, evicting unused cached blocks if needed.
   */
  boolean fits(long[] hashes, int extraBlocks) {
    int needed = extraBlocks;
    for (long h : hashes) {
      if (!referenced.containsKey(h) && !evictable.containsKey(h)) {
        needed++;
      }
    }
    // Hits held in the evictable list are reused, not evicted, so they do not count as free.
    int reusedEvictable = 0;
    for (long h : hashes) {
      if (evictable.containsKey(h)) {
        reusedEvictable++;
      }
    }
    int free = totalBlocks - referenced.size() - privateBlocks - reusedEvictable;
    return needed <= free;
  }

  /** Takes the blocks of an admitted request (call {@link #fits} first). */
  void allocate(long[] hashes, int extraBlocks) {
    for (long h : hashes) {
      Integer refs = referenced.get(h);
      if (refs != null) {
        referenced.put(h, refs + 1);
      } else {
        evictable.remove(h);
        referenced.put(h, 1);
      }
    }
    privateBlocks += extraBlocks;
    evictIfOver();
  }

  /** Gives back a finished request's blocks; its prompt blocks stay cached until evicted. */
  void release(long[] hashes, int extraBlocks) {
    for (long h : hashes) {
      int refs = referenced.get(h);
      if (refs == 1) {
        referenced.remove(h);
        evictable.put(h, Boolean.TRUE);
      } else {
        referenced.put(h, refs - 1);
      }
    }
    privateBlocks -= extraBlocks;
  }

  private void evictIfOver() {
    Iterator<Long> oldest = evictable.keySet().iterator();
    while (referenced.size() + privateBlocks + evictable.size() > totalBlocks && oldest.hasNext()) {
      oldest.next();
      oldest.remove();
    }
  }

  /** Blocks held by running requests, as a fraction of the cache (what engines report as KV usage). */
  double usage() {
    return (double) (referenced.size() + privateBlocks) / totalBlocks;
  }

  int usedBlocks() {
    return referenced.size() + privateBlocks;
  }

  int cachedBlocks() {
    return evictable.size();
  }
}
