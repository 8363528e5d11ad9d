package dev.loadfuse.picker.plugins.scorer.prefix;

import net.openhft.hashing.LongHashFunction;

/**
 * Chained xxHash64 over fixed-size character blocks of a prompt: block {@code i}'s hash covers the
 * previous block's hash and the block's characters, so equal hashes mean equal prompts up to and
 * including that block. The chain starts from the hash of the target model and, when present, the
 * cache salt: different models or salts never share a block.
 *
 * <p>Only whole blocks are hashed (a trailing partial block is not), and at most {@code maxBlocks}.
 * Characters are hashed as UTF-16 code units in the machine's byte order (every x86-64 and AArch64
 * machine agrees). Thread-safe; allocates the result and one block-sized buffer per call.
 */
final class BlockHasher {

  private static final LongHashFunction XX = LongHashFunction.xx();
  private static final long[] NONE = new long[0];

  private BlockHasher() {}

  /** The chained block hashes of {@code prompt}; empty when it is shorter than one block. */
  static long[] hashes(String model, String cacheSalt, String prompt, int blockChars, int maxBlocks) {
    int blocks = Math.min(prompt.length() / blockChars, maxBlocks);
    if (blocks <= 0) {
      return NONE;
    }
    long[] out = new long[blocks];
    long prev = XX.hashChars(model);
    if (!cacheSalt.isEmpty()) {
      prev = chain(prev, cacheSalt, 0, cacheSalt.length(), new char[4 + cacheSalt.length()]);
    }
    char[] buf = new char[4 + blockChars];
    for (int b = 0; b < blocks; b++) {
      prev = chain(prev, prompt, b * blockChars, blockChars, buf);
      out[b] = prev;
    }
    return out;
  }

  /** xxHash64 of {@code prev} (as four chars) followed by {@code text[off..off+len)}. */
  private static long chain(long prev, String text, int off, int len, char[] buf) {
    buf[0] = (char) prev;
    buf[1] = (char) (prev >>> 16);
    buf[2] = (char) (prev >>> 32);
    buf[3] = (char) (prev >>> 48);
    text.getChars(off, off + len, buf, 4);
    return XX.hashChars(buf, 0, 4 + len);
  }
}
