package dev.loadfuse.sidecar.kvevents;

import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.engine.kvevents.BlockKeys;
import dev.loadfuse.engine.kvevents.KvEventIngester;
import dev.loadfuse.engine.prefixindex.PrefixIndex;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The sidecar's {@code kvEvents} settings: whether to subscribe to the engines' KV-cache events and
 * where they publish. Defaults follow vLLM and llm-d: PUB on port 5557, no replay socket, topic
 * filter {@code kv@}, blocks of 16 tokens. An endpoint's pod labels override per endpoint: {@value
 * #LABEL_PORT}, {@value #LABEL_REPLAY_PORT}, {@value #LABEL_RANKS} (DP ranks publish on port +
 * rank), and {@value #LABEL_ENABLED} {@code "false"} to skip it.
 *
 * @param enabled subscribe at all
 * @param port the engines' PUB port (rank 0)
 * @param replayPort the engines' ROUTER replay port (rank 0), or -1 for none
 * @param topicFilter the SUB prefix filter
 * @param ranks data-parallel ranks per endpoint
 * @param blockSize tokens per index block; set it to the engines' block size
 * @param hashSeed seeds our key space (must match the pickers')
 * @param maxEngineBlocks bound of one publisher's engine-hash map
 * @param maxIndexEntries bound of the sidecar's own index per pool (what snapshots are made from)
 */
public record KvEventsOptions(
    boolean enabled, int port, int replayPort, String topicFilter, int ranks, int blockSize, String hashSeed,
    int maxEngineBlocks, int maxIndexEntries) {

  public static final int DEFAULT_PORT = 5557;
  public static final String DEFAULT_TOPIC_FILTER = "kv@";
  public static final int DEFAULT_BLOCK_SIZE = 16;
  /** Ranks above this per endpoint are refused. */
  public static final int MAX_RANKS = 256;
  public static final String LABEL_ENABLED = "loadfuse.dev/kv-events";
  public static final String LABEL_PORT = "loadfuse.dev/kv-events-port";
  public static final String LABEL_REPLAY_PORT = "loadfuse.dev/kv-events-replay-port";
  public static final String LABEL_RANKS = "loadfuse.dev/kv-events-ranks";

  public static final KvEventsOptions DISABLED = new KvEventsOptions(false, DEFAULT_PORT, -1, DEFAULT_TOPIC_FILTER, 1,
      DEFAULT_BLOCK_SIZE, "", KvEventIngester.DEFAULT_MAX_ENGINE_BLOCKS, PrefixIndex.DEFAULT_MAX_ENTRIES);

  static final List<String> KEYS = List.of("enabled", "port", "replayPort", "topicFilter", "ranks", "blockSize",
      "hashSeed", "maxEngineBlocks", "maxIndexEntries");

  public KvEventsOptions {
    check("port", port, 1, 65535);
    check("replayPort", replayPort, -1, 65535);
    check("ranks", ranks, 1, MAX_RANKS);
    check("blockSize", blockSize, 1, BlockKeys.MAX_BLOCK_SIZE);
    check("maxEngineBlocks", maxEngineBlocks, 1, Integer.MAX_VALUE);
    check("maxIndexEntries", maxIndexEntries, 1, Integer.MAX_VALUE);
    topicFilter = topicFilter == null ? "" : topicFilter;
    hashSeed = hashSeed == null ? "" : hashSeed;
  }

  private static void check(String name, int v, int min, int max) {
    if (v < min || v > max) {
      throw new IllegalArgumentException("kvEvents." + name + ": " + v + " (expected: [" + min + ", " + max + "])");
    }
  }

  /** Reads the {@code kvEvents} map strictly. */
  public static KvEventsOptions read(SettingsNode n) {
    n.requireMap("a map (" + String.join(", ", KEYS) + ")");
    n.keys(KEYS);
    KvEventsOptions d = DISABLED;
    return new KvEventsOptions(
        n.bool("enabled", true),
        n.integer("port", d.port, 1, 65535),
        n.integer("replayPort", d.replayPort, -1, 65535),
        n.string("topicFilter", d.topicFilter),
        n.integer("ranks", d.ranks, 1, MAX_RANKS),
        n.integer("blockSize", d.blockSize, 1, BlockKeys.MAX_BLOCK_SIZE),
        n.string("hashSeed", d.hashSeed),
        n.integer("maxEngineBlocks", d.maxEngineBlocks, 1, Integer.MAX_VALUE),
        n.integer("maxIndexEntries", d.maxIndexEntries, 1, Integer.MAX_VALUE));
  }

  public JsonObject toJson() {
    return new JsonObject().put("enabled", enabled).put("port", port).put("replayPort", replayPort)
        .put("topicFilter", topicFilter).put("ranks", ranks).put("blockSize", blockSize).put("hashSeed", hashSeed)
        .put("maxEngineBlocks", maxEngineBlocks).put("maxIndexEntries", maxIndexEntries);
  }
}
