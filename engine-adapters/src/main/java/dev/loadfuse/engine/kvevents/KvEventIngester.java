package dev.loadfuse.engine.kvevents;

import dev.loadfuse.engine.kvevents.KvEvent.AllBlocksCleared;
import dev.loadfuse.engine.kvevents.KvEvent.BlockRemoved;
import dev.loadfuse.engine.kvevents.KvEvent.BlockStored;
import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Turns one publisher's decoded events (one engine endpoint, one DP rank) into {@link KvDelta}s
 * over our own {@link BlockKeys}.
 *
 * <p>{@code BlockStored}: the parent's own key is found through the engine-hash map (a store whose
 * parent is unknown is dropped and counted: without the parent its keys cannot be placed); the
 * tokens are chunked into our blocks and chained; engine hashes map to own keys by ratio (1:1 when
 * the block sizes agree, otherwise i-th of {@code max(E, R)} maps {@code engine[i·E/n] →
 * own[i·R/n]}, a trailing partial block dropped). A store without tokens (an offload tier update)
 * adds the tier to blocks already known. {@code BlockRemoved}: reference-counted per tier (vLLM
 * may cache identical content twice), so the key leaves the tier when the last copy goes. {@code
 * AllBlocksCleared}: everything of this endpoint goes.
 *
 * <p>The engine-hash map is bounded ({@code maxEngineBlocks}, LRU). Not thread-safe: one per
 * subscriber thread.
 */
public final class KvEventIngester {

  /** Default bound of the engine-hash map: above the KV blocks of any single engine we know. */
  public static final int DEFAULT_MAX_ENGINE_BLOCKS = 1 << 20;

  private static final class Block {
    final long[] ownKeys;
    int gpuRefs;
    int cpuRefs;

    Block(long[] ownKeys) {
      this.ownKeys = ownKeys;
    }
  }

  private final BlockKeys keys;
  private final int maxEngineBlocks;
  private final LinkedHashMap<Long, Block> engineBlocks;
  private final KvDelta.Builder pending = new KvDelta.Builder();
  private long droppedUnknownParent;
  private long droppedEngineBlocks;
  private long storedBlocks;
  private long removedBlocks;

  public KvEventIngester(BlockKeys keys, int maxEngineBlocks) {
    if (maxEngineBlocks < 1) {
      throw new IllegalArgumentException("maxEngineBlocks: " + maxEngineBlocks + " (expected: >= 1)");
    }
    this.keys = keys;
    this.maxEngineBlocks = maxEngineBlocks;
    this.engineBlocks = new LinkedHashMap<>(1024, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<Long, Block> eldest) {
        if (size() > KvEventIngester.this.maxEngineBlocks) {
          droppedEngineBlocks++;
          return true;
        }
        return false;
      }
    };
  }

  /** Applies a batch; completed deltas (at most one per {@link KvDelta#MAX_OPS} ops) go to {@code out}. */
  public void apply(KvEventBatch batch, Consumer<KvDelta> out) {
    for (KvEvent e : batch.events()) {
      switch (e) {
        case BlockStored s -> stored(s, out);
        case BlockRemoved r -> removed(r, out);
        case AllBlocksCleared c -> clear();
      }
    }
    flush(out);
  }

  /** Forgets everything (engine restart, reconnect without replay): the next delta says cleared. */
  public void clear() {
    engineBlocks.clear();
    pending.clear();
  }

  /** Emits what is pending, if anything. */
  public void flush(Consumer<KvDelta> out) {
    if (!pending.isEmpty()) {
      out.accept(pending.take());
    }
  }

  private void op(long key, byte op, Consumer<KvDelta> out) {
    if (pending.full()) {
      out.accept(pending.take());
    }
    pending.op(key, op);
  }

  private void stored(BlockStored s, Consumer<KvDelta> out) {
    long[] eh = s.blockHashes();
    if (s.tokenIds().length == 0) {
      for (long h : eh) {
        Block b = engineBlocks.get(h);
        if (b != null) {
          ref(b, s.tier(), out);
        }
      }
      return;
    }
    long parent;
    if (s.hasParent()) {
      Block p = engineBlocks.get(s.parentHash());
      if (p == null || p.ownKeys.length == 0) {
        droppedUnknownParent++;
        return;
      }
      parent = p.ownKeys[p.ownKeys.length - 1];
    } else {
      parent = keys.root(s.loraName());
    }
    int[] tokens = s.tokenIds();
    int bs = keys.blockSize();
    int r = tokens.length / bs;
    long[] own = new long[r];
    long[] extra = s.extraKeyHashes();
    int engineBs = eh.length == 0 ? 0 : Math.max(1, tokens.length / eh.length);
    long k = parent;
    for (int i = 0; i < r; i++) {
      long x = 0;
      if (extra != null && engineBs > 0) {
        int blk = Math.min(extra.length - 1, (i * bs) / engineBs);
        x = extra[blk];
      }
      k = x == 0 ? keys.next(k, tokens, i * bs) : keys.nextWithExtra(k, tokens, i * bs, x);
      own[i] = k;
    }
    int e = eh.length;
    if (e == 0) {
      return;
    }
    if (r == 0) {
      for (long h : eh) {
        engineBlocks.putIfAbsent(h, new Block(new long[0]));
      }
      return;
    }
    int n = Math.max(e, r);
    long[][] mapped = new long[e][];
    int[] counts = new int[e];
    for (int i = 0; i < n; i++) {
      counts[(int) ((long) i * e / n)]++;
    }
    for (int j = 0; j < e; j++) {
      mapped[j] = new long[counts[j]];
      counts[j] = 0;
    }
    for (int i = 0; i < n; i++) {
      int ej = (int) ((long) i * e / n);
      mapped[ej][counts[ej]++] = own[(int) ((long) i * r / n)];
    }
    for (int j = 0; j < e; j++) {
      Block b = engineBlocks.get(eh[j]);
      if (b == null || !java.util.Arrays.equals(b.ownKeys, mapped[j])) {
        b = new Block(mapped[j]);
        engineBlocks.put(eh[j], b);
      }
      ref(b, s.tier(), out);
    }
  }

  private void ref(Block b, Tier tier, Consumer<KvDelta> out) {
    int before = tier == Tier.GPU ? b.gpuRefs++ : b.cpuRefs++;
    if (before == 0) {
      for (long k : b.ownKeys) {
        op(k, KvDelta.add(tier), out);
        storedBlocks++;
      }
    }
  }

  private void removed(BlockRemoved r, Consumer<KvDelta> out) {
    for (long h : r.blockHashes()) {
      Block b = engineBlocks.get(h);
      if (b == null) {
        continue;
      }
      int left;
      if (r.tier() == Tier.GPU) {
        left = b.gpuRefs = Math.max(0, b.gpuRefs - 1);
      } else {
        left = b.cpuRefs = Math.max(0, b.cpuRefs - 1);
      }
      if (left == 0) {
        for (long k : b.ownKeys) {
          op(k, KvDelta.remove(r.tier()), out);
          removedBlocks++;
        }
      }
      if (b.gpuRefs == 0 && b.cpuRefs == 0) {
        engineBlocks.remove(h);
      }
    }
  }

  /** Engine blocks currently mapped. */
  public int engineBlockCount() {
    return engineBlocks.size();
  }

  /** Stores dropped because their parent block was unknown (joined late, lost events). */
  public long droppedUnknownParent() {
    return droppedUnknownParent;
  }

  /** Engine-hash mappings evicted by the {@code maxEngineBlocks} bound. */
  public long droppedEngineBlocks() {
    return droppedEngineBlocks;
  }

  /** Own keys announced as added. */
  public long storedBlocks() {
    return storedBlocks;
  }

  /** Own keys announced as removed. */
  public long removedBlocks() {
    return removedBlocks;
  }
}
