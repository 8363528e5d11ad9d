package dev.loadfuse.picker.plugins.scorer.preciseprefix;

import dev.loadfuse.engine.kvevents.BlockKeys;
import dev.loadfuse.engine.prefixindex.PrefixIndex;
import dev.loadfuse.engine.prefixindex.PrefixMatch;
import dev.loadfuse.engine.prefixindex.TierWeights;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.PromptReader;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.Parameters;
import dev.loadfuse.picker.tokenizer.PromptTokenizer;
import dev.loadfuse.picker.tokenizer.TokenizerException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code precise-prefix-cache-scorer}: prefers the endpoints whose engines <em>report</em> holding
 * the prompt's prefix in their KV cache (the engines' KV-cache events, subscribed by the sidecars
 * and replicated to every picker over the bus, {@code KvIndexReplica}).
 *
 * <p>The prompt is tokenized in process ({@link PromptTokenizer}, the model's {@code
 * tokenizer.json}), cut into blocks of {@code blockSizeTokens} and chained into our block keys
 * ({@link BlockKeys}, seeded with {@code hashSeed}: the same as the sidecars'). An endpoint's score
 * is its longest consecutive cached prefix, each block weighted by its best tier ({@code gpu} 1.0,
 * {@code cpu} 0.8 by default), over the prompt's block count, at most 1 — as the llm-d scheduler's
 * scorer of this name. A prompt shorter than a block, or a pool no sidecar reports on, scores 0.
 *
 * <p>Thread-safe; the index source is attached when the picker runs ({@link #indexSource}).
 */
public final class PrecisePrefixCacheScorer extends NamedPlugin implements Scorer, PromptReader {

  public static final String TYPE = "precise-prefix-cache-scorer";
  public static final int DEFAULT_BLOCK_SIZE_TOKENS = 16;
  /** Blocks looked up per prompt at most (the prompt is read up to this many tokens, ~4 chars each). */
  public static final int MAX_BLOCKS = 8192;

  private final BlockKeys keys;
  private final TierWeights weights;
  private final PromptTokenizer tokenizer;
  private final int maxIndexEntries;
  private volatile Function<String, PrefixIndex> indexSource = pool -> null;

  public PrecisePrefixCacheScorer(String name, BlockKeys keys, TierWeights weights, PromptTokenizer tokenizer,
      int maxIndexEntries) {
    super(TYPE, name);
    this.keys = keys;
    this.weights = weights;
    this.tokenizer = tokenizer;
    this.maxIndexEntries = maxIndexEntries;
  }

  /**
   * Parameters as the reference's: {@code tokenProcessorConfig.blockSizeTokens} (alias {@code
   * blockSize}), {@code tokenProcessorConfig.hashSeed}, {@code indexerConfig.kvCacheBackendConfigs}
   * ({@code [{name: gpu|cpu, weight}]}), {@code indexerConfig.kvBlockIndexConfig.inMemoryConfig.size}
   * (entries per pool); {@code kvEventsConfig} is accepted and left to the sidecars' {@code
   * kvEvents} settings. Ours: {@code tokenizerPath}, a folder with {@code tokenizer.json} and
   * {@code tokenizer_config.json} (required).
   */
  public static PrecisePrefixCacheScorer create(String name, Parameters p) {
    Map<String, Object> m = p.asMap();
    for (String k : m.keySet()) {
      if (!List.of("tokenProcessorConfig", "indexerConfig", "kvEventsConfig", "tokenizerPath", "speculativeIndexing",
          "speculativeTTL").contains(k)) {
        throw ConfigException.at(p.path(k), "unknown key (known: tokenProcessorConfig, indexerConfig, kvEventsConfig,"
            + " tokenizerPath, speculativeIndexing, speculativeTTL)");
      }
    }
    if (Boolean.TRUE.equals(m.get("speculativeIndexing"))) {
      throw ConfigException.at(p.path("speculativeIndexing"), "true (expected: false; speculative indexing is not supported yet)");
    }
    Map<String, Object> tp = map(p, m, "tokenProcessorConfig");
    int blockSize = integer(p.path("tokenProcessorConfig"), tp, tp.containsKey("blockSizeTokens") ? "blockSizeTokens" : "blockSize",
        DEFAULT_BLOCK_SIZE_TOKENS, 1, BlockKeys.MAX_BLOCK_SIZE);
    String seed = tp.get("hashSeed") == null ? "" : String.valueOf(tp.get("hashSeed"));
    Map<String, Object> ix = map(p, m, "indexerConfig");
    double gpu = TierWeights.DEFAULT.gpu();
    double cpu = TierWeights.DEFAULT.cpu();
    if (ix.get("kvCacheBackendConfigs") instanceof List<?> backends) {
      for (int i = 0; i < backends.size(); i++) {
        String at = p.path("indexerConfig") + ".kvCacheBackendConfigs[" + i + "]";
        if (!(backends.get(i) instanceof Map<?, ?> b) || !(b.get("name") instanceof String n)
            || !(b.get("weight") instanceof Number w) || w.doubleValue() < 0) {
          throw ConfigException.at(at, "expected {name: gpu|cpu, weight: >= 0}");
        }
        switch (n.toLowerCase(java.util.Locale.ROOT)) {
          case "gpu" -> gpu = w.doubleValue();
          case "cpu" -> cpu = w.doubleValue();
          default -> throw ConfigException.at(at + ".name", "\"" + n + "\" (expected: gpu or cpu)");
        }
      }
    }
    int size = PrefixIndex.DEFAULT_MAX_ENTRIES;
    if (ix.get("kvBlockIndexConfig") instanceof Map<?, ?> kb && kb.get("inMemoryConfig") instanceof Map<?, ?> mem
        && mem.get("size") instanceof Number n) {
      if (n.longValue() < 1) {
        throw ConfigException.at(p.path("indexerConfig") + ".kvBlockIndexConfig.inMemoryConfig.size", n + " (expected: >= 1)");
      }
      size = (int) Math.min(Integer.MAX_VALUE, n.longValue());
    }
    if (!(m.get("tokenizerPath") instanceof String dir) || dir.isBlank()) {
      throw ConfigException.at(p.path("tokenizerPath"), "missing (expected: a folder with the model's tokenizer.json)");
    }
    PromptTokenizer tok;
    try {
      tok = PromptTokenizer.load(Path.of(dir));
    } catch (TokenizerException e) {
      throw ConfigException.at(p.path("tokenizerPath"), e.getMessage());
    }
    return new PrecisePrefixCacheScorer(name, new BlockKeys(blockSize, seed), new TierWeights(gpu, cpu), tok, size);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> map(Parameters p, Map<String, Object> m, String key) {
    Object v = m.get(key);
    if (v == null) {
      return Map.of();
    }
    if (!(v instanceof Map<?, ?>)) {
      throw ConfigException.at(p.path(key), "expected a map");
    }
    return (Map<String, Object>) v;
  }

  private static int integer(String at, Map<String, Object> m, String key, int dflt, int min, int max) {
    Object v = m.get(key);
    if (v == null) {
      return dflt;
    }
    if (!(v instanceof Integer i) || i < min || i > max) {
      throw ConfigException.at(at + "." + key, v + " (expected: an integer in [" + min + ", " + max + "])");
    }
    return i;
  }

  @Override
  public int promptChars() {
    return MAX_BLOCKS * keys.blockSize() * 4;
  }

  /** Where the index of a pool comes from (the picker's replica of the sidecars' index). */
  public void indexSource(Function<String, PrefixIndex> source) {
    indexSource = source == null ? pool -> null : source;
  }

  public int maxIndexEntries() {
    return maxIndexEntries;
  }

  public BlockKeys keys() {
    return keys;
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    Arrays.fill(scores, 0, count, 0);
    String prompt = cycle.request().prompt();
    if (count == 0 || prompt.isEmpty()) {
      return;
    }
    PrefixIndex index = indexSource.apply(candidates[0].id().pool());
    if (index == null) {
      return;
    }
    int[] tokens;
    try {
      tokens = tokenizer.encode(prompt, true);
    } catch (TokenizerException e) {
      return; // an unencodable prompt routes on the other scorers
    }
    int n = Math.min(tokens.length / keys.blockSize(), MAX_BLOCKS);
    if (n == 0) {
      return;
    }
    long[] chain = new long[n];
    keys.chain(keys.root(null), tokens, n * keys.blockSize(), chain);
    PrefixMatch match = index.lookup(chain, n, weights);
    for (int i = 0; i < count; i++) {
      scores[i] = Math.min(1.0, match.weighted(candidates[i].id().name()) / n);
    }
  }
}
