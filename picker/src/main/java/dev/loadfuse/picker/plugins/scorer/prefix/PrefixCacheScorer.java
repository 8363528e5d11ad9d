package dev.loadfuse.picker.plugins.scorer.prefix;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.PreRequest;
import dev.loadfuse.picker.scheduling.PromptReader;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.util.Set;
import java.util.function.DoubleConsumer;

/**
 * {@code prefix-cache-scorer}: prefers the endpoints most likely to hold the prompt's prefix in
 * their KV cache, i.e. those this picker (or, clustered, any replica) last sent the same prefix.
 *
 * <p>The rendered prompt is cut into blocks of {@code blockSizeTokens × 4} characters (about four
 * characters per token) and hashed as a chain seeded with the target model and the request's {@code
 * cache_salt} ({@link BlockHasher}), at most {@code maxPrefixBlocksToMatch} blocks. An endpoint's
 * score is the number of leading blocks it holds over the prompt's block count; a prompt shorter
 * than one block scores 0 everywhere. After the pick ({@link PreRequest}, once Envoy has its answer)
 * the chosen endpoint's LRU ({@link PrefixIndex}) learns the blocks; its capacity is {@code
 * lruCapacityPerServer}, or with {@code autoTune} the engine's {@code num_gpu_blocks} when its load
 * vector reports one.
 *
 * <p>Thread-safe. A pick listener (cluster sharing) and a hit-ratio recorder can be attached once the
 * picker runs.
 */
public final class PrefixCacheScorer extends NamedPlugin implements Scorer, PreRequest, PromptReader {

  public static final String TYPE = "prefix-cache-scorer";
  /** Characters per token used to size blocks, as the reference assumes. */
  public static final int CHARS_PER_TOKEN = 4;
  public static final int DEFAULT_BLOCK_SIZE_TOKENS = 16;
  public static final int DEFAULT_MAX_PREFIX_BLOCKS_TO_MATCH = 256;
  public static final int DEFAULT_LRU_CAPACITY_PER_SERVER = 31_250;
  public static final boolean DEFAULT_AUTO_TUNE = true;

  /** Told of every pick this scorer learned from, to share it with other replicas. */
  @FunctionalInterface
  public interface PickListener {
    void picked(PrefixCacheScorer scorer, String hostPort, long[] hashes);
  }

  private static final DoubleConsumer NO_RECORDER = ratio -> {};

  private final int blockSizeTokens;
  private final int blockChars;
  private final int maxPrefixBlocksToMatch;
  private final int lruCapacityPerServer;
  private final boolean autoTune;
  private final PrefixIndex index = new PrefixIndex();
  private final SchedulingCycle.Key<long[]> hashesKey;
  private volatile PickListener listener;
  private volatile DoubleConsumer hitRatio = NO_RECORDER;
  private volatile DoubleConsumer hitChars = NO_RECORDER;

  public PrefixCacheScorer(String name, int blockSizeTokens, int maxPrefixBlocksToMatch, int lruCapacityPerServer,
      boolean autoTune) {
    super(TYPE, name);
    if (blockSizeTokens < 1 || blockSizeTokens > 4096) {
      throw new IllegalArgumentException("blockSizeTokens: " + blockSizeTokens + " (expected: [1, 4096])");
    }
    if (maxPrefixBlocksToMatch < 1 || maxPrefixBlocksToMatch > 65_536) {
      throw new IllegalArgumentException("maxPrefixBlocksToMatch: " + maxPrefixBlocksToMatch
          + " (expected: [1, 65536])");
    }
    if (lruCapacityPerServer < 1) {
      throw new IllegalArgumentException("lruCapacityPerServer: " + lruCapacityPerServer + " (expected: >= 1)");
    }
    this.blockSizeTokens = blockSizeTokens;
    this.blockChars = blockSizeTokens * CHARS_PER_TOKEN;
    this.maxPrefixBlocksToMatch = maxPrefixBlocksToMatch;
    this.lruCapacityPerServer = lruCapacityPerServer;
    this.autoTune = autoTune;
    this.hashesKey = new SchedulingCycle.Key<>(name + ".blockHashes", long[].class);
  }

  public static PrefixCacheScorer create(String name, Parameters p) {
    return new PrefixCacheScorer(name, PrefixIndexSettings.read(p));
  }

  public PrefixCacheScorer(String name, PrefixIndexSettings s) {
    this(name, s.blockSizeTokens(), s.maxPrefixBlocksToMatch(), s.lruCapacityPerServer(), s.autoTune());
  }

  @Override
  public int promptChars() {
    return blockChars * maxPrefixBlocksToMatch;
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    int[] matched = new int[count];
    long[] hashes = hashes(cycle);
    if (hashes.length == 0) {
      java.util.Arrays.fill(scores, 0, count, 0);
      return;
    }
    int best = index.match(hashes, hashes.length, candidates, count, matched);
    double total = hashes.length;
    for (int i = 0; i < count; i++) {
      scores[i] = matched[i] / total;
    }
    hitRatio.accept(best / total);
    hitChars.accept((double) best * blockChars);
  }

  /**
   * Writes into {@code matched[0..count)} how many of the prompt's leading blocks each candidate
   * holds, and returns the prompt's block count (0 when the prompt is shorter than one block, and
   * then every candidate holds 0). For plugins that act on the same index, e.g. {@code
   * prefix-cache-affinity-filter}; records no hit ratio.
   */
  public int matchedBlocks(SchedulingCycle cycle, EndpointView[] candidates, int count, int[] matched) {
    long[] hashes = hashes(cycle);
    if (hashes.length == 0) {
      java.util.Arrays.fill(matched, 0, count, 0);
      return 0;
    }
    index.match(hashes, hashes.length, candidates, count, matched);
    return hashes.length;
  }

  /** The prompt's block hashes, computed once per decision (kept for the {@link PreRequest} step). */
  private long[] hashes(SchedulingCycle cycle) {
    long[] hashes = cycle.get(hashesKey);
    if (hashes == null) {
      SchedulingRequest r = cycle.request();
      hashes = BlockHasher.hashes(r.targetModel(), r.cacheSalt(), r.prompt(), blockChars, maxPrefixBlocksToMatch);
      cycle.put(hashesKey, hashes);
    }
    return hashes;
  }

  @Override
  public void preRequest(SchedulingCycle cycle, SchedulingResult result) {
    long[] hashes = cycle.get(hashesKey);
    if (hashes == null || hashes.length == 0 || result.primary().targets().isEmpty()) {
      return;
    }
    EndpointView target = result.primary().targets().getFirst();
    index.record(target.hostPort(), capacity(target.numGpuBlocks()), hashes, hashes.length);
    PickListener l = listener;
    if (l != null) {
      l.picked(this, target.hostPort(), hashes);
    }
  }

  /**
   * Learns a pick another replica made.
   *
   * @param numGpuBlocks the endpoint's KV blocks on the GPU as known here, -1 when unknown
   */
  public void recordRemotePick(String hostPort, long numGpuBlocks, long[] hashes) {
    if (hashes.length > 0) {
      index.record(hostPort, capacity(numGpuBlocks), hashes, hashes.length);
    }
  }

  /** The LRU capacity of an endpoint: its engine's GPU block count when auto-tuned and known (> 0). */
  int capacity(long numGpuBlocks) {
    if (autoTune && numGpuBlocks > 0) {
      return (int) Math.min(numGpuBlocks, Integer.MAX_VALUE);
    }
    return lruCapacityPerServer;
  }

  /** Forgets every endpoint not in {@code hostPorts} (they left the pool). */
  public void retainEndpoints(Set<String> hostPorts) {
    index.retainOnly(hostPorts);
  }

  /** Sets (or clears, with null) the listener told of each pick learned locally. */
  public void pickListener(PickListener l) {
    listener = l;
  }

  /** Where the best match ratio of each scored prompt goes (the hit-ratio histogram). */
  public void hitRatioRecorder(DoubleConsumer recorder) {
    hitRatio = recorder == null ? NO_RECORDER : recorder;
  }

  /** Where the best match's length in characters of each scored prompt goes (the hit-bytes histogram). */
  public void hitCharsRecorder(DoubleConsumer recorder) {
    hitChars = recorder == null ? NO_RECORDER : recorder;
  }

  public PrefixIndex index() {
    return index;
  }

  public int blockSizeTokens() {
    return blockSizeTokens;
  }

  public int maxPrefixBlocksToMatch() {
    return maxPrefixBlocksToMatch;
  }

  public int lruCapacityPerServer() {
    return lruCapacityPerServer;
  }

  public boolean autoTune() {
    return autoTune;
  }
}
