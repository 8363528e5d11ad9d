package dev.loadfuse.engine.kvevents;

import java.util.Arrays;

/**
 * One decoded engine KV-cache event (vLLM's {@code KVCacheEvent}, SGLang's copy of it).
 *
 * <p>Engine block hashes are opaque 64-bit ids: they only link a store to its parent and name the
 * blocks a removal evicts. What a block holds is learned from {@link BlockStored#tokenIds()}.
 */
public sealed interface KvEvent {

  /** Where a block lives. Offload tiers ({@code CPU}, {@code CPU_TIER1}, storage…) are {@link #CPU}. */
  enum Tier {
    GPU,
    CPU;

    /** {@code null} or {@code GPU} (any case) is the GPU tier; every other medium is offloaded. */
    public static Tier ofMedium(String medium) {
      return medium == null || medium.isEmpty() || medium.equalsIgnoreCase("GPU") ? GPU : CPU;
    }
  }

  /**
   * Blocks that became cached.
   *
   * @param blockHashes the engine's hashes of the new blocks, in order
   * @param hasParent whether {@code parentHash} is set (false at a sequence's start)
   * @param parentHash the engine hash of the block before the first new one
   * @param tokenIds the tokens of all new blocks, concatenated; empty for a tier-only update
   * @param blockSize the engine's tokens per block (0 on old offload events)
   * @param loraName the adapter's name, or {@code null}
   * @param tier the medium, mapped to a tier
   * @param extraKeyHashes one hash per block of its {@code extra_keys} entry (0 = none), or {@code
   *     null} when the event carries none
   * @param groupIdx the KV-cache group (hybrid models), or -1 when absent
   * @param specKind {@code kv_cache_spec_kind}, or {@code null}
   */
  record BlockStored(
      long[] blockHashes,
      boolean hasParent,
      long parentHash,
      int[] tokenIds,
      int blockSize,
      String loraName,
      Tier tier,
      long[] extraKeyHashes,
      int groupIdx,
      String specKind)
      implements KvEvent {
    @Override
    public String toString() {
      return "BlockStored{hashes=" + Arrays.toString(blockHashes)
          + ", parent=" + (hasParent ? Long.toUnsignedString(parentHash) : "none")
          + ", tokens=" + tokenIds.length + ", blockSize=" + blockSize
          + (loraName == null ? "" : ", lora=" + loraName) + ", tier=" + tier
          + (groupIdx < 0 ? "" : ", group=" + groupIdx)
          + (specKind == null ? "" : ", kind=" + specKind) + "}";
    }
  }

  /** Blocks evicted from one tier. */
  record BlockRemoved(long[] blockHashes, Tier tier, int groupIdx) implements KvEvent {
    @Override
    public String toString() {
      return "BlockRemoved{hashes=" + Arrays.toString(blockHashes) + ", tier=" + tier
          + (groupIdx < 0 ? "" : ", group=" + groupIdx) + "}";
    }
  }

  /** The engine dropped its whole prefix cache. */
  record AllBlocksCleared() implements KvEvent {
    public static final AllBlocksCleared INSTANCE = new AllBlocksCleared();
  }
}
