package dev.loadfuse.engine.kvevents;

import java.nio.charset.StandardCharsets;
import net.openhft.hashing.LongHashFunction;

/**
 * Our own block keys: a 64-bit chain over token ids, independent of the engine's hash algorithm
 * and seed. {@code key(0) = mix(root, xxh3(tokens[0, B)))}, {@code key(i) = mix(key(i-1),
 * xxh3(tokens[iB, (i+1)B)))}; a trailing partial block has no key (engines never cache one). The
 * root is {@code xxh3(hashSeed + "\0" + namespace)} where the namespace is the LoRA adapter's name
 * or empty for the base model. The sidecar computes keys from {@code BlockStored.token_ids}, the
 * picker from the request's tokens: the same function, so they meet.
 */
public final class BlockKeys {

  /** Largest accepted block size (vLLM uses 16–256; SGLang pages 1–64). */
  public static final int MAX_BLOCK_SIZE = 4096;

  private static final LongHashFunction XX3 = LongHashFunction.xx3();

  private final int blockSize;
  private final String hashSeed;

  public BlockKeys(int blockSize, String hashSeed) {
    if (blockSize < 1 || blockSize > MAX_BLOCK_SIZE) {
      throw new IllegalArgumentException("blockSize: " + blockSize + " (expected: [1, " + MAX_BLOCK_SIZE + "])");
    }
    this.blockSize = blockSize;
    this.hashSeed = hashSeed == null ? "" : hashSeed;
  }

  public int blockSize() {
    return blockSize;
  }

  public String hashSeed() {
    return hashSeed;
  }

  /** The root of a namespace ({@code null} or empty: the base model). */
  public long root(String namespace) {
    byte[] b = (hashSeed + "\0" + (namespace == null ? "" : namespace)).getBytes(StandardCharsets.UTF_8);
    return XX3.hashBytes(b);
  }

  /** The key of the block {@code tokens[from, from + blockSize)} after {@code parent}. */
  public long next(long parent, int[] tokens, int from) {
    return mix(parent, XX3.hashInts(tokens, from, blockSize));
  }

  /** The key of a block with an {@code extra_keys} entry (multimodal, salt): salted by its hash. */
  public long nextWithExtra(long parent, int[] tokens, int from, long extraHash) {
    return mix(mix(parent, extraHash), XX3.hashInts(tokens, from, blockSize));
  }

  /**
   * Writes the keys of the full blocks of {@code tokens} (from {@code root}) into {@code out} and
   * returns how many; at most {@code out.length}.
   */
  public int chain(long root, int[] tokens, int tokenCount, long[] out) {
    int n = Math.min(tokenCount / blockSize, out.length);
    long k = root;
    for (int i = 0; i < n; i++) {
      k = next(k, tokens, i * blockSize);
      out[i] = k;
    }
    return n;
  }

  /** The keys of every full block of {@code tokens} from {@code root}. */
  public long[] chain(long root, int[] tokens) {
    long[] out = new long[tokens.length / blockSize];
    chain(root, tokens, tokens.length, out);
    return out;
  }

  private static long mix(long parent, long h) {
    long x = parent * 0x9E3779B97F4A7C15L ^ Long.rotateLeft(h, 29);
    x ^= x >>> 32;
    x *= 0xD6E8FEB86659FD93L;
    x ^= x >>> 32;
    return x;
  }
}
