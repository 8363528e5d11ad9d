package dev.loadfuse.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import dev.loadfuse.engine.config.EngineConfig;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.engine.prometheus.PrometheusTextParser;
import dev.loadfuse.engine.spec.MetricSpec;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The contract every engine configuration keeps on every page: it never throws, values are in
 * range (the sample's constructor checks), only configured specs are reported missing, the parse
 * diagnostics agree with a full parse, and a reused extractor gives the same answer twice.
 */
class EngineContractTest {

  static List<EngineConfig> engines() {
    return ModelServerMetricsConfig.defaults().engines();
  }

  static Stream<Arguments> everyFixtureWithEveryEngine() {
    return Fixtures.names().stream()
        .flatMap(f -> engines().stream().map(e -> Arguments.of(f, e.name())));
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("everyFixtureWithEveryEngine")
  void fixture_extractsWithinContract(String file, String engine) {
    EngineConfig config = ModelServerMetricsConfig.defaults().require(engine);
    byte[] page = Fixtures.bytes(file);
    EngineMetricsExtractor extractor = EngineMetricsExtractor.forConfig(config);

    EngineSample first = extractor.extract(page);
    EngineSample again = extractor.extract(page);

    assertThat(again).isEqualTo(first);
    assertThat(first.engine()).isEqualTo(engine);
    first.kvCacheUsage().ifPresent(kv -> assertThat(kv).isBetween(0.0, 1.0));
    first.waitingRequests().ifPresent(v -> assertThat(v).isNotNegative());
    first.runningRequests().ifPresent(v -> assertThat(v).isNotNegative());
    assertThat(first.missing()).isSubsetOf(specTexts(config));
    assertThat(first.diagnostics()).isEqualTo(PrometheusTextParser.parseAll(page).diagnostics());
  }

  @Test
  void allFixturesConcatenated_everyEngineReadsWithoutThrowing() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (String f : Fixtures.names()) {
      all.writeBytes(Fixtures.bytes(f));
      all.write('\n');
    }
    byte[] page = all.toByteArray();
    for (EngineConfig e : engines()) {
      EngineSample s = EngineMetricsExtractor.forConfig(e).extract(page);
      assertThat(s.skippedLines()).isEqualTo(2 + 6 + 3);
    }
  }

  @Test
  void randomlyCorruptedFixtures_neverThrow() {
    SplittableRandom rnd = new SplittableRandom(7);
    byte[] noise = "{}\"\\=, #\n\r\t.eE+-9aZ:_\u00ff".getBytes(StandardCharsets.ISO_8859_1);
    List<EngineMetricsExtractor> extractors =
        engines().stream().map(EngineMetricsExtractor::forConfig).toList();
    for (String f : Fixtures.names()) {
      byte[] original = Fixtures.bytes(f);
      for (int round = 0; round < 60; round++) {
        byte[] page = Arrays.copyOf(original, original.length);
        int edits = 1 + rnd.nextInt(8);
        for (int k = 0; k < edits && page.length > 0; k++) {
          page[rnd.nextInt(page.length)] = noise[rnd.nextInt(noise.length)];
        }
        int len = rnd.nextInt(page.length + 1);
        for (EngineMetricsExtractor x : extractors) {
          assertThatCode(() -> x.extract(page, 0, len)).as("%s round %d", f, round).doesNotThrowAnyException();
        }
      }
    }
  }

  private static List<String> specTexts(EngineConfig c) {
    return Stream.of(
            c.queuedRequestsSpec(),
            c.runningRequestsSpec(),
            c.kvUsageSpec(),
            c.loraSpec(),
            c.cacheInfoSpec(),
            c.cacheBlockSizeSpec(),
            c.cacheNumBlocksSpec(),
            c.queuedRequestsFallbackSpec(),
            c.runningRequestsFallbackSpec(),
            c.kvUsageFallbackSpec(),
            c.kvUsedBlocksSpec(),
            c.kvTotalBlocksSpec())
        .flatMap(Optional::stream)
        .map(MetricSpec::text)
        .toList();
  }
}
