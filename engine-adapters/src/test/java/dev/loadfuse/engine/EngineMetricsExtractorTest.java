package dev.loadfuse.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.engine.config.EngineConfig;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.engine.prometheus.PageTooLargeException;
import dev.loadfuse.engine.prometheus.ParseError;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EngineMetricsExtractorTest {

  private static EngineConfig engine(String name) {
    return ModelServerMetricsConfig.defaults().require(name);
  }

  private static EngineSample extract(String engine, String page) {
    return extract(engine(engine), page);
  }

  private static EngineSample extract(EngineConfig engine, String page) {
    return EngineMetricsExtractor.forConfig(engine).extract(page.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void vllmDataParallelEngines_queueAndRunningSummedKvLargest() {
    EngineSample s =
        extract(
            "vllm",
            """
            vllm:num_requests_waiting{engine="0",model_name="m"} 3.0
            vllm:num_requests_waiting{engine="1",model_name="m"} 4.0
            vllm:num_requests_running{engine="0",model_name="m"} 10.0
            vllm:num_requests_running{engine="1",model_name="m"} 12.0
            vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.25
            vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.75
            """);
    assertThat(s.waitingRequests()).hasValue(7);
    assertThat(s.runningRequests()).hasValue(22);
    assertThat(s.kvCacheUsage()).hasValue(0.75);
  }

  @Test
  void sglangDpAttentionRanks_queueSummedOverRanks() {
    String page =
        Fixtures.text("sglang-aibrix-issue1614-dp-attention-fragment.prom")
            .replace("tp_rank=\"1\"} 0.0", "tp_rank=\"1\"} 5.0")
            .replace("tp_rank=\"3\"} 0.0", "tp_rank=\"3\"} 7.0");
    assertThat(extract("sglang", page).waitingRequests()).hasValue(12);
  }

  @Test
  void bothKvNames_newNameWins() {
    EngineSample s =
        extract(
            "vllm",
            "vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.9\nvllm:kv_cache_usage_perc{model_name=\"m\"} 0.4\n");
    assertThat(s.kvCacheUsage()).hasValue(0.4);
    assertThat(s.missing()).doesNotContain("vllm:kv_cache_usage_perc");
  }

  @Test
  void onlyOldKvName_usedAsFallbackNotReportedMissing() {
    EngineSample s = extract("vllm", "vllm:gpu_cache_usage_perc{model_name=\"m\"} 0.9\n");
    assertThat(s.kvCacheUsage()).hasValue(0.9);
    assertThat(s.missing()).doesNotContain("vllm:kv_cache_usage_perc", "vllm:gpu_cache_usage_perc");
  }

  @Test
  void sglangOldNames_usedWhenNewAbsent() {
    EngineSample s =
        extract("sglang", "sglang:num_requests_waiting{name=\"m\"} 4.0\nsglang:num_requests_running{name=\"m\"} 2.0\n");
    assertThat(s.waitingRequests()).hasValue(4);
    assertThat(s.runningRequests()).hasValue(2);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"1.3, 1.0", "1.0000001, 1.0", "-0.2, 0.0", "0.5, 0.5", "+Inf, ", "NaN, "})
  void kvUsageOutOfRange_clampedNonFiniteAbsent(String value, Double expected) {
    EngineSample s = extract("vllm", "vllm:kv_cache_usage_perc " + value + "\n");
    if (expected == null) {
      assertThat(s.kvCacheUsage()).isEmpty();
      assertThat(s.missing()).contains("vllm:kv_cache_usage_perc");
    } else {
      assertThat(s.kvCacheUsage()).hasValue(expected);
    }
  }

  @Test
  void negativeOrNanQueueSeries_ignored() {
    EngineSample s =
        extract(
            "vllm",
            "vllm:num_requests_waiting{engine=\"0\"} -1\nvllm:num_requests_waiting{engine=\"1\"} NaN\n"
                + "vllm:num_requests_waiting{engine=\"2\"} 2\nvllm:num_requests_running +Inf\n");
    assertThat(s.waitingRequests()).hasValue(2);
    assertThat(s.runningRequests()).isEmpty();
    assertThat(s.missing()).contains("vllm:num_requests_running");
  }

  @Test
  void loraSeries_largestTimestampIsCurrentAndListsTrimmed() {
    EngineSample s =
        extract(
            "vllm",
            """
            vllm:lora_requests_info{max_lora="4",running_lora_adapters="old",waiting_lora_adapters=""} 1.70e+09
            vllm:lora_requests_info{max_lora="4",running_lora_adapters="a, b",waiting_lora_adapters="c,,d "} 1.72e+09
            vllm:lora_requests_info{max_lora="4",running_lora_adapters="mid",waiting_lora_adapters=""} 1.71e+09
            """);
    assertThat(s.lora())
        .hasValue(new LoraInfo(List.of("a", "b"), List.of("c", "d"), OptionalInt.of(4)));
  }

  @Test
  void loraTie_firstSeriesKept() {
    EngineSample s =
        extract(
            "vllm",
            "vllm:lora_requests_info{max_lora=\"1\",running_adapters=\"x\",waiting_adapters=\"\"} 1.0\n"
                + "vllm:lora_requests_info{max_lora=\"1\",running_adapters=\"y\",waiting_adapters=\"\"} 1.0\n");
    assertThat(s.lora().orElseThrow().runningAdapters()).containsExactly("x");
  }

  @Test
  void loraWithoutMaxLoraLabel_maxLoraAbsent() {
    EngineSample s = extract("vllm", "vllm:lora_requests_info{running_lora_adapters=\"a\"} 5\n");
    assertThat(s.lora()).hasValue(new LoraInfo(List.of("a"), List.of(), OptionalInt.empty()));
  }

  @Test
  void cacheConfigInfoNone_geometryAbsentButNotMissing() {
    EngineSample s =
        extract(
            "vllm",
            "vllm:cache_config_info{block_size=\"None\",num_gpu_blocks=\"None\",_block_size_resolved=\"16\"} 1.0\n");
    assertThat(s.cacheBlockSize()).isEmpty();
    assertThat(s.numGpuBlocks()).isEmpty();
    assertThat(s.missing()).doesNotContain("vllm:cache_config_info");
  }

  @Test
  void cacheConfigInfoFloatForms_read() {
    EngineSample s =
        extract(
            "vllm",
            "vllm:cache_config_info{block_size=\"16.0\",num_gpu_blocks=\"4294967296.0\",gpu_memory_utilization=\"0.9\"} 1.0\n");
    assertThat(s.cacheBlockSize()).hasValue(16);
    assertThat(s.numGpuBlocks()).hasValue(4294967296L);
  }

  @Test
  void sglangPageLabels_giveGeometry() {
    EngineSample s =
        extract("sglang", "sglang:cache_config_info{page_size=\"64\",num_pages=\"2000\",model_name=\"m\"} 1\n");
    assertThat(s.cacheBlockSize()).hasValue(64);
    assertThat(s.numGpuBlocks()).hasValue(2000);
  }

  @Test
  void trtllmServeGauges_read() {
    EngineSample s =
        extract(
            "trtllm-serve",
            """
            # TYPE trtllm_num_requests_waiting gauge
            trtllm_num_requests_waiting{model_name="m"} 3
            trtllm_num_requests_running{model_name="m"} 5
            trtllm_kv_cache_utilization{model_name="m"} 0.5
            trtllm_kv_cache_tokens_per_block{model_name="m"} 32
            trtllm_kv_cache_max_blocks{model_name="m"} 1024
            """);
    assertThat(s.waitingRequests()).hasValue(3);
    assertThat(s.runningRequests()).hasValue(5);
    assertThat(s.kvCacheUsage()).hasValue(0.5);
    assertThat(s.cacheBlockSize()).hasValue(32);
    assertThat(s.numGpuBlocks()).hasValue(1024);
    assertThat(s.missing()).isEmpty();
  }

  @Test
  void trtUsedWithZeroMax_kvAbsent() {
    EngineSample s =
        extract(
            "trt-llm",
            "nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=\"used\"} 5\n"
                + "nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=\"max\"} 0\n");
    assertThat(s.kvCacheUsage()).isEmpty();
    assertThat(s.missing()).contains("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=fraction}");
  }

  @Test
  void summaryNamedLikeASpec_quantilesNotRead() {
    EngineSample s =
        extract(
            "vllm",
            """
            # TYPE vllm:num_requests_waiting summary
            vllm:num_requests_waiting{quantile="0.5"} 10
            vllm:num_requests_waiting_sum 100
            vllm:num_requests_waiting_count 10
            """);
    assertThat(s.waitingRequests()).isEmpty();
  }

  @Test
  void createdCompanion_neverReadAsTheCounter() {
    EngineConfig counter = EngineConfig.builder("c").queuedRequestsSpec("jobs_total").build();
    EngineSample s =
        extract(
            counter,
            """
            # TYPE jobs_created gauge
            jobs_created 1.7537953269352946e+09
            # TYPE jobs_total counter
            jobs_total 3
            """);
    assertThat(s.waitingRequests()).hasValue(3);
  }

  @Test
  void labelMatcherWithEmptyValue_matchesSeriesWithoutTheLabel() {
    EngineConfig c = EngineConfig.builder("c").queuedRequestsSpec("q{dp_rank=\"\"}").build();
    assertThat(extract(c, "q 1\nq{dp_rank=\"0\"} 5\n").waitingRequests()).hasValue(1);
  }

  @Test
  void escapedLabelValue_matchedUnescaped() {
    EngineConfig c = EngineConfig.builder("c").queuedRequestsSpec("q{m=\"a\\\"b\"}").build();
    assertThat(extract(c, "q{m=\"a\\\"b\"} 4\nq{m=\"ab\"} 5\n").waitingRequests()).hasValue(4);
  }

  @Test
  void disabledSpecs_absentAndNotMissing() {
    EngineConfig c = EngineConfig.builder("only-queue").queuedRequestsSpec("q").build();
    EngineSample s = extract(c, "q 2\n");
    assertThat(s.waitingRequests()).hasValue(2);
    assertThat(s.runningRequests()).isEmpty();
    assertThat(s.kvCacheUsage()).isEmpty();
    assertThat(s.lora()).isEmpty();
    assertThat(s.missing()).isEmpty();
  }

  @Test
  void malformedLines_countedAndGoodLinesKept() {
    EngineSample s =
        extract(
            "vllm",
            """
            vllm:num_requests_waiting{model_name="m"} 2
            vllm:num_requests_waiting{model_name="m} 9
            ...
            vllm:num_requests_running{model_name="m"} 1.2.3
            vllm:num_requests_running{model_name="m"} 6
            """);
    assertThat(s.waitingRequests()).hasValue(2);
    assertThat(s.runningRequests()).hasValue(6);
    assertThat(s.skippedLines()).isEqualTo(3);
    assertThat(s.firstError())
        .hasValue(
            new ParseError(
                2,
                "unterminated label value at column 38:"
                    + " \"vllm:num_requests_waiting{model_name=\"m} 9\""));
  }

  @Test
  void pageOverTheLimit_rejected() {
    byte[] page = "vllm:num_requests_waiting 1\n".repeat(100).getBytes(StandardCharsets.UTF_8);
    EngineMetricsExtractor x = EngineMetricsExtractor.forConfig(engine("vllm"), 1000);
    assertThatThrownBy(() -> x.extract(page))
        .isInstanceOf(PageTooLargeException.class)
        .hasMessage("metrics page too large: 2800 bytes (limit: 1000 bytes)");
  }

  @Test
  void slice_onlyTheSliceRead() {
    byte[] page = "vllm:num_requests_waiting 9\nvllm:num_requests_waiting 1\n".getBytes(StandardCharsets.UTF_8);
    EngineSample s = EngineMetricsExtractor.forConfig(engine("vllm")).extract(page, 28, 28);
    assertThat(s.waitingRequests()).hasValue(1);
  }

  @Test
  void reusedExtractor_noStateLeaksBetweenScrapes() {
    EngineMetricsExtractor x = EngineMetricsExtractor.forConfig(engine("vllm"));
    EngineSample first =
        x.extract(
            ("vllm:num_requests_waiting 5\nvllm:lora_requests_info{max_lora=\"1\",running_lora_adapters=\"a\"} 9\n"
                    + "vllm:cache_config_info{block_size=\"16\",num_gpu_blocks=\"100\"} 1\n...\n")
                .getBytes(StandardCharsets.UTF_8));
    assertThat(first.waitingRequests()).hasValue(5);
    EngineSample second = x.extract("vllm:num_requests_running 1\n".getBytes(StandardCharsets.UTF_8));
    assertThat(second.waitingRequests()).isEmpty();
    assertThat(second.lora()).isEmpty();
    assertThat(second.cacheBlockSize()).isEmpty();
    assertThat(second.skippedLines()).isZero();
  }

  @Test
  void unchangedLoraStateAcrossScrapes_previousLoraInfoReused() {
    EngineMetricsExtractor x = EngineMetricsExtractor.forConfig(engine("vllm"));
    byte[] a =
        "vllm:lora_requests_info{max_lora=\"2\",running_lora_adapters=\"a\",waiting_lora_adapters=\"\"} 5\n"
            .getBytes(StandardCharsets.UTF_8);
    byte[] b =
        "vllm:lora_requests_info{max_lora=\"2\",running_lora_adapters=\"a\",waiting_lora_adapters=\"b\"} 6\n"
            .getBytes(StandardCharsets.UTF_8);
    LoraInfo first = x.extract(a).lora().orElseThrow();
    assertThat(x.extract(a).lora().orElseThrow()).isSameAs(first);
    assertThat(x.extract(b).lora())
        .hasValue(new LoraInfo(List.of("a"), List.of("b"), OptionalInt.of(2)));
    assertThat(x.extract(a).lora()).hasValue(first);
  }

  @Test
  void escapedLoraLabels_unescaped() {
    EngineSample s =
        extract("vllm", "vllm:lora_requests_info{max_lora=\"1\",running_lora_adapters=\"x\\\"y\"} 1\n");
    assertThat(s.lora().orElseThrow().runningAdapters()).containsExactly("x\"y");
  }

  @ParameterizedTest(name = "block_size=\"{0}\"")
  @CsvSource({"16, 16", "' 16 ', 16", "16.000, 16", "16.5, ", "-16, ", "1e3, ", "'', ", "None, ", "0, ",
      "1234567890123456789, ", "123456789012345678, 123456789012345678"})
  void cacheInfoLabelForms(String label, Long expected) {
    EngineSample s = extract("vllm", "vllm:cache_config_info{block_size=\"" + label + "\"} 1\n");
    assertThat(s.cacheBlockSize().isPresent() ? s.cacheBlockSize().getAsLong() : null).isEqualTo(expected);
  }

  @Test
  void wantedNames_areTheSpecNamesOnce() {
    EngineMetricsExtractor x = EngineMetricsExtractor.forConfig(engine("triton-tensorrt-llm"));
    assertThat(x.wantedNames().size()).isEqualTo(2);
    assertThat(x.config().name()).isEqualTo("triton-tensorrt-llm");
  }
}
