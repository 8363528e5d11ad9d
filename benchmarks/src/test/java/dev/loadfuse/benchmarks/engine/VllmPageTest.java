package dev.loadfuse.benchmarks.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.engine.EngineMetricsExtractor;
import dev.loadfuse.engine.EngineSample;
import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.engine.prometheus.PrometheusTextParser;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The benchmark measures a page that is what it claims: ~100 KB, valid, with known values. */
class VllmPageTest {

  @Test
  void page_isAbout100KbAndDeterministic() {
    byte[] page = VllmPage.build();
    assertThat(page.length).isBetween(90_000, 130_000);
    assertThat(Arrays.equals(page, VllmPage.build())).isTrue();
  }

  @Test
  void page_parsesCleanlyWithHistogramsDominating() {
    var parsed = PrometheusTextParser.parseAll(VllmPage.build());
    assertThat(parsed.diagnostics().skippedLines()).isZero();
    long buckets = parsed.samples().stream().filter(s -> s.name().endsWith("_bucket")).count();
    assertThat(buckets).isGreaterThan(parsed.samples().size() / 2);
  }

  @Test
  void page_extractsTheLoadOfFourEngines() {
    EngineSample s =
        EngineMetricsExtractor.forConfig(ModelServerMetricsConfig.defaults().require("vllm"))
            .extract(VllmPage.build());
    assertThat(s.runningRequests()).hasValue(20 + 23 + 26 + 29);
    assertThat(s.waitingRequests()).hasValue(0 + 5 + 10 + 15);
    assertThat(s.kvCacheUsage()).hasValue(0.1 + 0.2 * 3 + 0.0123456789);
    assertThat(s.lora())
        .hasValue(new LoraInfo(List.of("sql-lora", "chat-lora"), List.of(), OptionalInt.of(4)));
    assertThat(s.cacheBlockSize()).hasValue(16);
    assertThat(s.numGpuBlocks()).hasValue(81767);
    assertThat(s.missing()).isEmpty();
  }
}
