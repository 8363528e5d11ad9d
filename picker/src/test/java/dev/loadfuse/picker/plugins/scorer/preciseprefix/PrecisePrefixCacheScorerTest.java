package dev.loadfuse.picker.plugins.scorer.preciseprefix;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loadfuse.engine.kvevents.BlockKeys;
import dev.loadfuse.engine.kvevents.KvDelta;
import dev.loadfuse.engine.kvevents.KvEvent.BlockRemoved;
import dev.loadfuse.engine.kvevents.KvEvent.BlockStored;
import dev.loadfuse.engine.kvevents.KvEvent.Tier;
import dev.loadfuse.engine.kvevents.KvEventBatch;
import dev.loadfuse.engine.kvevents.KvEventEncoder;
import dev.loadfuse.engine.kvevents.KvEventIngester;
import dev.loadfuse.engine.kvevents.KvEventPublisher;
import dev.loadfuse.engine.kvevents.KvEventSubscriber;
import dev.loadfuse.engine.kvevents.KvMessage;
import dev.loadfuse.engine.prefixindex.PrefixIndex;
import dev.loadfuse.engine.prefixindex.TierWeights;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.scorer.queue.QueueScorer;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.scheduling.config.Parameters;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.TestEndpoints;
import dev.loadfuse.picker.tokenizer.PromptTokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Precise prefix routing end to end below the bus: two vLLM-format publishers (real ZMQ), our
 * subscribers and ingesters feeding the index, the Qwen3 tokenizer turning the request into the
 * same keys; scored together with the queue scorer as a typical config (precise ×2, queue ×1).
 */
class PrecisePrefixCacheScorerTest {

  static PromptTokenizer qwen3;
  static final String PROMPT = "You are a meticulous assistant. ".repeat(40) + "Summarise the report below in three bullet points.";

  @BeforeAll
  static void load() throws Exception {
    qwen3 = PromptTokenizer.load(qwen3Dir());
  }

  @AfterAll
  static void close() {
    qwen3.close();
  }

  static Path qwen3Dir() throws Exception {
    return Path.of(PrecisePrefixCacheScorerTest.class.getResource("/tokenizer/qwen3").toURI());
  }

  static SchedulingCycle cycle(String prompt) {
    SchedulingRequest r = new SchedulingRequest("r", "qwen", "qwen", 0, null, Map.of(), prompt.length(), prompt, "");
    return new SchedulingCycle(r, TestEndpoints.NOW, new SplittableRandom(1));
  }

  /** One engine's events into the shared index, as a sidecar does (minus the bus). */
  record Engine(KvEventPublisher publisher, KvEventSubscriber subscriber, KvEventIngester ingester) implements AutoCloseable {
    static Engine start(String name, PrefixIndex index, BlockKeys keys) {
      KvEventPublisher pub = new KvEventPublisher("127.0.0.1", 0, 0, "kv@" + name + "@qwen", 1000);
      KvEventIngester ing = new KvEventIngester(keys, 10_000);
      KvEventSubscriber sub = KvEventSubscriber.start(new KvEventSubscriber.Target("tcp://127.0.0.1:" + pub.port(),
          "tcp://127.0.0.1:" + pub.replayPort(), "kv@", 20_000), new KvEventSubscriber.Listener() {
            @Override
            public void batch(KvMessage m, KvEventBatch b, boolean replayed) {
              synchronized (ing) {
                ing.apply(b, d -> index.apply(name, 0, d));
              }
            }

            @Override
            public void rejected(String reason) {}

            @Override
            public void resync(String reason) {
              index.apply(name, 0, KvDelta.CLEAR);
            }
          });
      return new Engine(pub, sub, ing);
    }

    @Override
    public void close() {
      subscriber.close();
      publisher.close();
    }
  }

  @Test
  void theEngineHoldingThePrefixWinsDespiteALongerQueueUntilItEvicts() throws Exception {
    BlockKeys keys = new BlockKeys(16, "");
    PrefixIndex index = new PrefixIndex(100_000);
    PrecisePrefixCacheScorer precise = new PrecisePrefixCacheScorer("p", keys, TierWeights.DEFAULT, qwen3, 100_000);
    precise.indexSource(pool -> pool.equals("pool") ? index : null);
    QueueScorer queue = new QueueScorer("q");
    EndpointView[] views = TestEndpoints.views(TestEndpoints.endpoint(0, 3, 0, 0.1), TestEndpoints.endpoint(1, 2, 0, 0.1));

    int[] tokens = qwen3.encode(PROMPT, true);
    int blocks = tokens.length / 16;
    long[] engineHashes = new long[blocks];
    for (int i = 0; i < blocks; i++) {
      engineHashes[i] = 0xABCD0000L + i;
    }
    try (Engine e0 = Engine.start("ep-0", index, keys); Engine e1 = Engine.start("ep-1", index, keys)) {
      // ep-0 ran the prompt: vLLM announces its full blocks (array encoding here, as vLLM <= 0.23)
      e0.publisher().publish(KvEventEncoder.encode(new KvEventBatch(1, List.of(new BlockStored(engineHashes, false, 0,
          java.util.Arrays.copyOf(tokens, blocks * 16), 16, null, Tier.GPU, null, -1, null)), 0), KvEventEncoder.Encoding.ARRAY));
      Await.until("ep-0's blocks indexed", () -> index.entriesOf("ep-0") == blocks);

      assertThat(pick(precise, queue, views)).isEqualTo("ep-0");

      // ep-0 evicts its blocks (map encoding, as vLLM 0.26)
      e0.publisher().publish(KvEventEncoder.encode(new KvEventBatch(2, List.of(new BlockRemoved(engineHashes, Tier.GPU, -1)), 0),
          KvEventEncoder.Encoding.MAP));
      Await.until("ep-0's blocks gone", () -> index.entriesOf("ep-0") == 0);
      assertThat(pick(precise, queue, views)).isEqualTo("ep-1");
    }
  }

  /** precise ×2 + queue ×1, highest wins. */
  static String pick(PrecisePrefixCacheScorer precise, QueueScorer queue, EndpointView[] views) {
    double[] p = new double[views.length];
    double[] q = new double[views.length];
    SchedulingCycle c = cycle(PROMPT);
    precise.score(c, views, views.length, p);
    queue.score(c, views, views.length, q);
    int best = 0;
    for (int i = 1; i < views.length; i++) {
      if (2 * p[i] + q[i] > 2 * p[best] + q[best]) {
        best = i;
      }
    }
    return views[best].id().name();
  }

  @Test
  void scoresAreTheWeightedPrefixOverTheBlocks() {
    BlockKeys keys = new BlockKeys(4, "s");
    PrefixIndex index = new PrefixIndex(1000);
    PrecisePrefixCacheScorer precise = new PrecisePrefixCacheScorer("p", keys, TierWeights.DEFAULT, qwen3, 1000);
    String prompt = "one two three four five six seven eight nine ten eleven twelve";
    int[] tokens;
    try {
      tokens = qwen3.encode(prompt, true);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    long[] chain = keys.chain(keys.root(null), tokens);
    byte[] ops = new byte[chain.length];
    java.util.Arrays.fill(ops, KvDelta.ADD_CPU);
    index.apply("ep-1", 0, new KvDelta(false, chain, ops));
    EndpointView[] views = TestEndpoints.views(TestEndpoints.endpoint(0, 0, 0, 0), TestEndpoints.endpoint(1, 0, 0, 0));
    double[] s = new double[2];
    precise.score(cycle(prompt), views, 2, s);
    assertThat(s[0]).isZero(); // no index attached yet
    precise.indexSource(pool -> index);
    precise.score(cycle(prompt), views, 2, s);
    assertThat(s[0]).isZero();
    assertThat(s[1]).isCloseTo(0.8, org.assertj.core.data.Offset.offset(1e-9));
  }

  @Test
  void parametersAsTheReferenceAndClearErrors() throws Exception {
    ObjectMapper json = new ObjectMapper();
    PrecisePrefixCacheScorer s = PrecisePrefixCacheScorer.create("p", Parameters.of("plugins[0].parameters", json.readTree("""
        {"tokenizerPath": "%s", "tokenProcessorConfig": {"blockSize": 64, "hashSeed": "42"},
         "indexerConfig": {"kvCacheBackendConfigs": [{"name": "gpu", "weight": 1.0}, {"name": "cpu", "weight": 0.5}],
                           "kvBlockIndexConfig": {"inMemoryConfig": {"size": 5000}}},
         "kvEventsConfig": {"topicFilter": "kv@"}}
        """.formatted(qwen3Dir().toString().replace("\\", "\\\\")))));
    assertThat(s.keys().blockSize()).isEqualTo(64);
    assertThat(s.keys().hashSeed()).isEqualTo("42");
    assertThat(s.maxIndexEntries()).isEqualTo(5000);
    assertThatThrownBy(() -> PrecisePrefixCacheScorer.create("p", Parameters.of("plugins[0].parameters", json.readTree("{}"))))
        .hasMessageContaining("plugins[0].parameters.tokenizerPath").hasMessageContaining("missing");
    assertThatThrownBy(() -> PrecisePrefixCacheScorer.create("p", Parameters.of("plugins[0].parameters",
            json.readTree("{\"tokenProcessorConfig\": {\"blockSize\": 0}, \"tokenizerPath\": \"/x\"}"))))
        .hasMessageContaining("tokenProcessorConfig.blockSize").hasMessageContaining("0 (expected: an integer in [1, 4096])");
    assertThatThrownBy(() -> PrecisePrefixCacheScorer.create("p", Parameters.of("plugins[0].parameters",
            json.readTree("{\"indexerConfig\": {\"kvCacheBackendConfigs\": [{\"name\": \"disk\", \"weight\": 1}]}}"))))
        .hasMessageContaining("kvCacheBackendConfigs[0].name").hasMessageContaining("\"disk\" (expected: gpu or cpu)");
    assertThatThrownBy(() -> PrecisePrefixCacheScorer.create("p", Parameters.of("plugins[0].parameters",
            json.readTree("{\"bogus\": 1}"))))
        .hasMessageContaining("bogus");
  }
}
