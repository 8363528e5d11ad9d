package dev.loadfuse.benchmarks.local;

import java.util.Locale;

/**
 * A model server's /metrics page in one engine's format, with load that moves over time (a slow
 * sine per engine), so that a local run shows changing vectors. Not a simulator: it serves
 * metrics only; the engine simulator that serves requests is {@code
 * dev.loadfuse.benchmarks.sim.SimEngine} (used by {@code ./demo.sh}).
 */
public enum FakeEngine {
  VLLM("vllm") {
    @Override
    String page(double waiting, double running, double kv) {
      return """
          # HELP vllm:num_requests_running Number of requests in model execution batches.
          # TYPE vllm:num_requests_running gauge
          vllm:num_requests_running{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} %s
          # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
          # TYPE vllm:num_requests_waiting gauge
          vllm:num_requests_waiting{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} %s
          # HELP vllm:kv_cache_usage_perc KV-cache usage. 1 means 100 percent usage.
          # TYPE vllm:kv_cache_usage_perc gauge
          vllm:kv_cache_usage_perc{engine="0",model_name="meta-llama/Llama-3.1-8B-Instruct"} %s
          # HELP vllm:lora_requests_info Running stats on lora requests.
          # TYPE vllm:lora_requests_info gauge
          vllm:lora_requests_info{max_lora="4",running_lora_adapters="sql-lora",waiting_lora_adapters=""} 1.7382e+09
          # HELP vllm:cache_config_info Information of the LLMEngine CacheConfig
          # TYPE vllm:cache_config_info gauge
          vllm:cache_config_info{block_size="16",cache_dtype="auto",enable_prefix_caching="True",num_gpu_blocks="81767"} 1.0
          """.formatted(n(running), n(waiting), n(kv));
    }
  },
  SGLANG("sglang") {
    @Override
    String page(double waiting, double running, double kv) {
      return """
          # HELP sglang:num_running_reqs The number of running requests.
          # TYPE sglang:num_running_reqs gauge
          sglang:num_running_reqs{engine_type="unified",model_name="meta-llama/Llama-3.1-8B-Instruct"} %s
          # HELP sglang:num_queue_reqs The number of requests in the waiting queue.
          # TYPE sglang:num_queue_reqs gauge
          sglang:num_queue_reqs{engine_type="unified",model_name="meta-llama/Llama-3.1-8B-Instruct"} %s
          # HELP sglang:token_usage The token usage.
          # TYPE sglang:token_usage gauge
          sglang:token_usage{engine_type="unified",model_name="meta-llama/Llama-3.1-8B-Instruct"} %s
          """.formatted(n(running), n(waiting), n(kv));
    }
  },
  TRITON_TRT_LLM("trt-llm") {
    @Override
    String page(double waiting, double running, double kv) {
      long max = 6239;
      long used = Math.round(kv * max);
      return """
          # HELP nv_trt_llm_request_metrics TRT LLM request metrics
          # TYPE nv_trt_llm_request_metrics gauge
          nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="waiting",version="1"} %d
          nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="scheduled",version="1"} %d
          nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="max",version="1"} 512
          # HELP nv_trt_llm_kv_cache_block_metrics TRT LLM KV cache block metrics
          # TYPE nv_trt_llm_kv_cache_block_metrics gauge
          nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction",model="tensorrt_llm",version="1"} %s
          nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="tokens_per",model="tensorrt_llm",version="1"} 64
          nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="used",model="tensorrt_llm",version="1"} %d
          nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max",model="tensorrt_llm",version="1"} %d
          """.formatted(Math.round(waiting), Math.round(running), n(kv), used, max);
    }
  };

  private final String label;

  FakeEngine(String label) {
    this.label = label;
  }

  /** The value of the {@code inference.networking.k8s.io/engine-type} label for this engine. */
  public String label() {
    return label;
  }

  abstract String page(double waiting, double running, double kv);

  /** The page at {@code seconds} since start; each engine's load swings on its own phase. */
  public String pageAt(double seconds) {
    double phase = ordinal() * 2.1;
    double s = 0.5 + 0.5 * Math.sin(seconds / 7.0 + phase);
    return page(Math.round(12 * s), Math.round(4 + 28 * s), Math.min(1.0, 0.1 + 0.8 * s));
  }

  private static String n(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
