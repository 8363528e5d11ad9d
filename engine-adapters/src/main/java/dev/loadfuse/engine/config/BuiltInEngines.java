package dev.loadfuse.engine.config;

import java.util.List;
import java.util.Map;

/**
 * The engine configurations loadfuse knows without being told (REFERENCE §3), and their aliases.
 *
 * <ul>
 *   <li>{@code vllm}: V1 names; KV falls back to {@code vllm:gpu_cache_usage_perc} (V0 and early
 *       V1); geometry from {@code vllm:cache_config_info} labels {@code block_size}/{@code
 *       num_gpu_blocks}.
 *   <li>{@code sglang}: queue/running fall back to the pre-rename {@code
 *       sglang:num_requests_waiting}/{@code sglang:num_requests_running}; geometry from {@code
 *       sglang:cache_config_info} labels {@code page_size}/{@code num_pages}.
 *   <li>{@code triton-tensorrt-llm} (aliases {@code trt-llm}, the pool-annotation value, and
 *       {@code triton}): request and KV-block series of the Triton TensorRT-LLM backend; without a
 *       {@code fraction} series KV usage is {@code used}/{@code max}; geometry from the {@code
 *       tokens_per}/{@code max} series.
 *   <li>{@code trtllm-serve}: plain gauges, geometry included.
 * </ul>
 */
public final class BuiltInEngines {
  private BuiltInEngines() {}

  public static final String VLLM = "vllm";
  public static final String SGLANG = "sglang";
  public static final String TRITON_TENSORRT_LLM = "triton-tensorrt-llm";
  public static final String TRTLLM_SERVE = "trtllm-serve";

  private static final String TRT_REQUESTS = "nv_trt_llm_request_metrics";
  private static final String TRT_KV = "nv_trt_llm_kv_cache_block_metrics";

  private static final List<EngineConfig> ALL =
      List.of(
          EngineConfig.builder(VLLM)
              .queuedRequestsSpec("vllm:num_requests_waiting")
              .runningRequestsSpec("vllm:num_requests_running")
              .kvUsageSpec("vllm:kv_cache_usage_perc")
              .kvUsageFallbackSpec("vllm:gpu_cache_usage_perc")
              .loraSpec("vllm:lora_requests_info")
              .cacheInfoSpec("vllm:cache_config_info")
              .build(),
          EngineConfig.builder(SGLANG)
              .queuedRequestsSpec("sglang:num_queue_reqs")
              .queuedRequestsFallbackSpec("sglang:num_requests_waiting")
              .runningRequestsSpec("sglang:num_running_reqs")
              .runningRequestsFallbackSpec("sglang:num_requests_running")
              .kvUsageSpec("sglang:token_usage")
              .cacheInfoSpec("sglang:cache_config_info")
              .cacheBlockSizeLabelName("page_size")
              .cacheNumBlocksLabelName("num_pages")
              .build(),
          EngineConfig.builder(TRITON_TENSORRT_LLM)
              .queuedRequestsSpec(TRT_REQUESTS + "{request_type=waiting}")
              .runningRequestsSpec(TRT_REQUESTS + "{request_type=scheduled}")
              .kvUsageSpec(TRT_KV + "{kv_cache_block_type=fraction}")
              .kvUsedBlocksSpec(TRT_KV + "{kv_cache_block_type=used}")
              .kvTotalBlocksSpec(TRT_KV + "{kv_cache_block_type=max}")
              .cacheBlockSizeSpec(TRT_KV + "{kv_cache_block_type=tokens_per}")
              .cacheNumBlocksSpec(TRT_KV + "{kv_cache_block_type=max}")
              .build(),
          EngineConfig.builder(TRTLLM_SERVE)
              .queuedRequestsSpec("trtllm_num_requests_waiting")
              .runningRequestsSpec("trtllm_num_requests_running")
              .kvUsageSpec("trtllm_kv_cache_utilization")
              .cacheBlockSizeSpec("trtllm_kv_cache_tokens_per_block")
              .cacheNumBlocksSpec("trtllm_kv_cache_max_blocks")
              .build());

  private static final Map<String, List<String>> ALIASES =
      Map.of(TRITON_TENSORRT_LLM, List.of("trt-llm", "triton"));

  /** The built-in configurations. */
  public static List<EngineConfig> all() {
    return ALL;
  }

  /** Other names of a built-in engine, in the order they are listed; empty if none. */
  public static List<String> aliases(String engine) {
    return ALIASES.getOrDefault(engine, List.of());
  }
}
