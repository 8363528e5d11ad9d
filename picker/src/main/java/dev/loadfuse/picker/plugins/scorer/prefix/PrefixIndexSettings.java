package dev.loadfuse.picker.plugins.scorer.prefix;

import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * How the approximate prefix index is cut and bounded: the parameters of {@code prefix-cache-scorer}
 * and of the reference's {@code approx-prefix-cache-producer} (which, when declared, configures the
 * index of every prefix-cache scorer instead of the scorers' own parameters, as in the reference).
 * Deprecated names still read: {@code blockSize} for {@code blockSizeTokens}; {@code
 * maxPrefixTokensToMatch} (tokens, 0 = unset) which, when set, gives {@code maxPrefixBlocksToMatch}
 * as tokens / blockSizeTokens (at least 1).
 */
public record PrefixIndexSettings(int blockSizeTokens, int maxPrefixBlocksToMatch, int lruCapacityPerServer,
    boolean autoTune) {

  public static final int MAX_BLOCKS = 65_536;

  public static PrefixIndexSettings read(Parameters p) {
    int blockSizeTokens = p.integer(p.deprecatedAlias("blockSizeTokens", "blockSize"),
        PrefixCacheScorer.DEFAULT_BLOCK_SIZE_TOKENS, 1, 4096);
    int maxBlocks = p.integer("maxPrefixBlocksToMatch", PrefixCacheScorer.DEFAULT_MAX_PREFIX_BLOCKS_TO_MATCH, 1,
        MAX_BLOCKS);
    int maxTokens = p.integer("maxPrefixTokensToMatch", 0, 0, Integer.MAX_VALUE);
    if (maxTokens > 0) {
      maxBlocks = Math.clamp(maxTokens / blockSizeTokens, 1, MAX_BLOCKS);
    }
    return new PrefixIndexSettings(blockSizeTokens, maxBlocks,
        p.integer("lruCapacityPerServer", PrefixCacheScorer.DEFAULT_LRU_CAPACITY_PER_SERVER, 1, Integer.MAX_VALUE),
        p.bool("autoTune", PrefixCacheScorer.DEFAULT_AUTO_TUNE));
  }
}
