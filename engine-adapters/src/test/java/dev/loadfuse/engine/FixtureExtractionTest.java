package dev.loadfuse.engine;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.engine.config.EngineConfig;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture through the engine configuration it was captured from (or a user configuration
 * where no built-in fits), asserting every field of the sample.
 */
class FixtureExtractionTest {

  private static final ModelServerMetricsConfig BUILT_INS = ModelServerMetricsConfig.defaults();

  private static final String V_WAITING = "vllm:num_requests_waiting";
  private static final String V_RUNNING = "vllm:num_requests_running";
  private static final String V_KV = "vllm:kv_cache_usage_perc";
  private static final String V_LORA = "vllm:lora_requests_info";
  private static final String V_INFO = "vllm:cache_config_info";
  private static final String[] V_ALL = {V_WAITING, V_RUNNING, V_KV, V_LORA, V_INFO};
  private static final String S_QUEUE = "sglang:num_queue_reqs";
  private static final String S_RUNNING = "sglang:num_running_reqs";
  private static final String S_KV = "sglang:token_usage";
  private static final String S_INFO = "sglang:cache_config_info";
  private static final String T_KV = "nv_trt_llm_kv_cache_block_metrics";

  /**
   * Triton's generic metrics as a user would configure them (the built-in triton names mean the
   * TensorRT-LLM backend): several models of an ensemble are several series, summed.
   */
  private static final EngineConfig TRITON_SERVER =
      EngineConfig.builder("triton-server")
          .queuedRequestsSpec("nv_inference_pending_request_count")
          .runningRequestsSpec("nv_inference_exec_count")
          .kvUsageSpec("nv_gpu_utilization")
          .build();

  static Stream<Row> fixtures() {
    return Stream.of(
        // vLLM V0
        row("vllm-v0-aibrix-runtime-doc.prom", "vllm")
            .waiting(0).running(0).kv(0).lora(List.of(), List.of(), 0).blockSize(16).numBlocks(81767),
        row("vllm-v0-vllm-issue7918-v0.5.3.prom", "vllm")
            .waiting(0).missing(V_RUNNING, V_KV, V_LORA, V_INFO),
        row("vllm-v0-ibm-vllm-pr18-fragment.prom", "vllm").missing(V_ALL),
        row("vllm-v0-vllm-pr9477-lora-original-labels.prom", "vllm")
            .lora(List.of(), List.of(), 1).missing(V_WAITING, V_RUNNING, V_KV, V_INFO),
        // Three series; the newest (largest timestamp) is running test-lora, nothing waiting.
        row("vllm-v0-gie-issue354-lora-requests-info.prom", "vllm")
            .lora(List.of("test-lora"), List.of(), 1).missing(V_WAITING, V_RUNNING, V_KV, V_INFO),
        row("vllm-v0-vllm-pr11117-lora-model-name-fragment.prom", "vllm").missing(V_ALL),
        row("vllm-v0-functionary-pr263-help-type-only.prom", "vllm").missing(V_ALL),
        // vLLM V1
        row("vllm-v1-production-stack-issue318-fragment.prom", "vllm")
            .waiting(0).running(0).kv(0).missing(V_LORA, V_INFO),
        row("vllm-v1-production-stack-issue617-v0.10.0-fragment.prom", "vllm")
            .kv(9.75010481363281e-06).missing(V_WAITING, V_RUNNING, V_LORA, V_INFO),
        row("vllm-v1-vllm-pr22227-dp-engine1-fragment.prom", "vllm").missing(V_ALL),
        row("vllm-v1-docs-design-metrics-elided.prom", "vllm")
            .running(8).missing(V_WAITING, V_KV, V_LORA, V_INFO).skipped(3, 4),
        row("triton-vllm-backend-readme.prom", "vllm").missing(V_ALL).skipped(6, 12),
        // SGLang
        row("sglang-docs-production-metrics.prom", "sglang")
            .waiting(2826).running(162).kv(0.28).missing(S_INFO),
        row("sglang-docs-early-name-label.prom", "sglang")
            .waiting(0).running(0).kv(0.01).missing(S_INFO),
        row("sglang-pr1461-wip-name-label-fragment.prom", "sglang")
            .waiting(0).running(0).kv(0).missing(S_INFO),
        row("sglang-pr1853-path-model-name-fragment.prom", "sglang")
            .missing(S_QUEUE, S_RUNNING, S_KV, S_INFO),
        row("sglang-pr4412-engine-type-fragment.prom", "sglang")
            .running(0).kv(0).missing(S_QUEUE, S_INFO),
        row("sglang-pr7944-pd-disagg-fragment.prom", "sglang")
            .running(0).kv(0).missing(S_QUEUE, S_INFO),
        // Two dp_rank series of the queue (both 0.0 in the capture), summed.
        row("sglang-aibrix-issue1614-dp-attention-fragment.prom", "sglang")
            .waiting(0).missing(S_RUNNING, S_KV, S_INFO),
        row("sglang-aibrix-issue1614-pid-label-fragment.prom", "sglang")
            .missing(S_QUEUE, S_RUNNING, S_KV, S_INFO),
        // A sidecar's re-export with sglang_ names is not native SGLang: nothing matches.
        row("sglang-smg-pr813-sidecar-underscore-blanklines-fragment.prom", "sglang")
            .missing(S_QUEUE, S_RUNNING, S_KV, S_INFO),
        // Triton TensorRT-LLM backend
        row("triton-trtllm-backend-readme-ifb-2025.prom", "triton-tensorrt-llm")
            .waiting(1).running(1).kv(0.4875).blockSize(64).numBlocks(6239),
        // No waiting and no fraction series: KV usage is used / max = 1 / 6239.
        row("triton-trtllm-backend-readme-ifb-2023.prom", "trt-llm")
            .running(1).kv(1.0 / 6239).blockSize(64).numBlocks(6239)
            .missing("nv_trt_llm_request_metrics{request_type=waiting}"),
        row("triton-trtllm-backend-readme-v1-fragment.prom", "triton")
            .missing(
                "nv_trt_llm_request_metrics{request_type=waiting}",
                "nv_trt_llm_request_metrics{request_type=scheduled}",
                T_KV + "{kv_cache_block_type=fraction}",
                T_KV + "{kv_cache_block_type=tokens_per}",
                T_KV + "{kv_cache_block_type=max}"),
        // Triton generic metrics through a user configuration
        row("triton-trtllm-backend-readme-nv_inference.prom", TRITON_SERVER)
            .waiting(0).running(0).missing("nv_gpu_utilization"),
        row("triton-trtllm-backend-issue667-ifb-fragment.prom", TRITON_SERVER)
            .running(232 + 11041 + 232 + 0 + 232)
            .missing("nv_inference_pending_request_count", "nv_gpu_utilization"),
        row("triton-server-issue2755-20.03-no-samples-fragment.prom", TRITON_SERVER)
            .kv(0.12).missing("nv_inference_pending_request_count", "nv_inference_exec_count"),
        row(
                "triton-trtllm-backend-issue49-ensemble-fragment.prom",
                EngineConfig.builder("ensemble")
                    .runningRequestsSpec("nv_inference_request_success")
                    .queuedRequestsSpec("nv_inference_request_success{model=tensorrt_llm}")
                    .build())
            .running(59 * 3).waiting(0),
        row(
                "triton-trtllm-backend-issue284-bls-fragment.prom",
                EngineConfig.builder("bls")
                    .runningRequestsSpec("nv_inference_compute_infer_duration_us{model=\"tensorrt_llm_bls\"}")
                    .build())
            .running(89175401),
        row(
                "triton-server-issue7583-failure-reason-fragment.prom",
                EngineConfig.builder("reasons")
                    .runningRequestsSpec("nv_inference_request_success")
                    .queuedRequestsSpec("nv_inference_request_failure{reason=REJECTED}")
                    .build())
            .running(40).waiting(0),
        row(
                "triton-server-pr3569-float-format-fragment.prom",
                EngineConfig.builder("floats").runningRequestsSpec("nv_inference_request_success").build())
            .running(80),
        // DCGM pages carry no engine load: everything missing, nothing thrown.
        row("dcgm-dcgm-issue226-l40s-fragment.prom", "vllm").missing(V_ALL),
        row("dcgm-exporter-issue250-v100-fragment.prom", "vllm").missing(V_ALL),
        row("dcgm-exporter-issue317-a30-mig-fb-used-fragment.prom", "vllm").missing(V_ALL),
        row("dcgm-exporter-issue512-h100-memtemp-fragment.prom", "vllm").missing(V_ALL),
        row("dcgm-exporter-issue512-h100-mig-gr-engine-fragment.prom", "vllm").missing(V_ALL),
        row("dcgm-exporter-pr736-mixed-models-fragment.prom", "vllm").missing(V_ALL),
        row("dcgm-exporter-readme.prom", "vllm").missing(V_ALL).skipped(2, 7));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void fixture_extractsExpectedSample(Row row) {
    EngineSample s = EngineMetricsExtractor.forConfig(row.engine).extract(Fixtures.bytes(row.file));
    assertThat(s.engine()).isEqualTo(row.engine.name());
    assertThat(s.waitingRequests()).as("waiting").isEqualTo(row.waiting);
    assertThat(s.runningRequests()).as("running").isEqualTo(row.running);
    assertThat(s.kvCacheUsage()).as("kv").isEqualTo(row.kv);
    assertThat(s.lora()).as("lora").isEqualTo(Optional.ofNullable(row.lora));
    assertThat(s.cacheBlockSize()).as("block size").isEqualTo(row.blockSize);
    assertThat(s.numGpuBlocks()).as("gpu blocks").isEqualTo(row.numBlocks);
    assertThat(s.missing()).as("missing").containsExactlyElementsOf(row.missing);
    assertThat(s.skippedLines()).as("skipped").isEqualTo(row.skipped);
    if (row.skipped == 0) {
      assertThat(s.firstError()).isEmpty();
    } else {
      assertThat(s.firstError()).hasValueSatisfying(e -> assertThat(e.line()).isEqualTo(row.firstErrorLine));
    }
  }

  static List<String> coveredFiles() {
    return fixtures().map(r -> r.file).toList();
  }

  private static Row row(String file, String engine) {
    return new Row(file, BUILT_INS.require(engine));
  }

  private static Row row(String file, EngineConfig engine) {
    return new Row(file, engine);
  }

  static final class Row {
    final String file;
    final EngineConfig engine;
    OptionalDouble waiting = OptionalDouble.empty();
    OptionalDouble running = OptionalDouble.empty();
    OptionalDouble kv = OptionalDouble.empty();
    LoraInfo lora;
    OptionalLong blockSize = OptionalLong.empty();
    OptionalLong numBlocks = OptionalLong.empty();
    List<String> missing = List.of();
    int skipped;
    int firstErrorLine;

    Row(String file, EngineConfig engine) {
      this.file = file;
      this.engine = engine;
    }

    Row waiting(double v) {
      waiting = OptionalDouble.of(v);
      return this;
    }

    Row running(double v) {
      running = OptionalDouble.of(v);
      return this;
    }

    Row kv(double v) {
      kv = OptionalDouble.of(v);
      return this;
    }

    Row lora(List<String> runningAdapters, List<String> waitingAdapters, int maxLora) {
      lora = new LoraInfo(runningAdapters, waitingAdapters, OptionalInt.of(maxLora));
      return this;
    }

    Row blockSize(long v) {
      blockSize = OptionalLong.of(v);
      return this;
    }

    Row numBlocks(long v) {
      numBlocks = OptionalLong.of(v);
      return this;
    }

    Row missing(String... specs) {
      missing = new ArrayList<>(List.of(specs));
      return this;
    }

    Row skipped(int count, int firstLine) {
      skipped = count;
      firstErrorLine = firstLine;
      return this;
    }

    @Override
    public String toString() {
      return file + " as " + engine.name();
    }
  }
}
