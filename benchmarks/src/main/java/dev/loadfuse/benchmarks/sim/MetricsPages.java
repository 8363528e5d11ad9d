package dev.loadfuse.benchmarks.sim;

import java.util.Locale;

/**
 * The {@code /metrics} page of a simulated engine in its engine's format. Names, labels and
 * shapes follow the real pages kept as fixtures in engine-adapters ({@code fixtures/metrics},
 * see its SOURCES.md): vLLM V1 ({@code kv_cache_usage_perc}, {@code lora_requests_info}, {@code
 * cache_config_info}), vLLM V0 ({@code gpu_cache_usage_perc}), SGLang, Triton TensorRT-LLM.
 */
final class MetricsPages {

  private MetricsPages() {}

  static String render(EngineModel.Snapshot s, double wallClockSeconds) {
    return switch (s.profile().kind()) {
      case VLLM_V1 -> vllm(s, "kv_cache_usage_perc", "vllm:prefix_cache_queries_total", wallClockSeconds);
      case VLLM_V0 -> vllm(s, "gpu_cache_usage_perc", null, wallClockSeconds);
      case SGLANG -> sglang(s);
      case TRITON_TRT_LLM -> triton(s);
    };
  }

  private static String vllm(EngineModel.Snapshot s, String kvName, String prefixQueries, double now) {
    String m = "model_name=\"" + s.profile().model() + "\"";
    String v1Label = prefixQueries != null ? "engine=\"0\"," : "";
    StringBuilder b = new StringBuilder(2048);
    gauge(b, "vllm:num_requests_running", "Number of requests in model execution batches.", v1Label + m, s.running());
    gauge(b, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", v1Label + m, s.waiting());
    gauge(b, "vllm:" + kvName, "KV-cache usage. 1 means 100 percent usage.", v1Label + m, s.kvCacheUsage());
    if (s.profile().maxLoras() > 0) {
      b.append("# HELP vllm:lora_requests_info Running stats on lora requests.\n# TYPE vllm:lora_requests_info gauge\n")
          .append("vllm:lora_requests_info{max_lora=\"").append(s.profile().maxLoras())
          .append("\",running_lora_adapters=\"").append(String.join(",", s.runningAdapters()))
          .append("\",waiting_lora_adapters=\"").append(String.join(",", s.waitingAdapters())).append("\"} ")
          .append(num(now)).append('\n');
    }
    b.append("# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n# TYPE vllm:cache_config_info gauge\n")
        .append("vllm:cache_config_info{block_size=\"").append(s.profile().blockSizeTokens())
        .append("\",cache_dtype=\"auto\",enable_prefix_caching=\"True\",num_gpu_blocks=\"")
        .append(s.profile().kvCacheBlocks()).append("\"} 1.0\n");
    if (prefixQueries != null) {
      counter(b, prefixQueries, "Prefix cache queries, in terms of number of queried tokens.", v1Label + m,
          s.prefixQueriedTokensTotal());
      counter(b, "vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.",
          v1Label + m, s.prefixHitTokensTotal());
    } else {
      gauge(b, "vllm:gpu_prefix_cache_hit_rate", "GPU prefix cache block hit rate.", m,
          s.prefixQueriedTokensTotal() == 0 ? 0 : (double) s.prefixHitTokensTotal() / s.prefixQueriedTokensTotal());
      gauge(b, "vllm:num_requests_swapped", "Number of requests swapped to CPU.", m, 0);
    }
    counter(b, "vllm:prompt_tokens_total", "Number of prefill tokens processed.", v1Label + m, s.promptTokensTotal());
    counter(b, "vllm:generation_tokens_total", "Number of generation tokens processed.", v1Label + m,
        s.generationTokensTotal());
    b.append("# HELP vllm:request_success_total Count of successfully processed requests.\n")
        .append("# TYPE vllm:request_success_total counter\n")
        .append("vllm:request_success_total{").append(v1Label).append("finished_reason=\"length\",").append(m)
        .append("} ").append(num(s.requestsFinishedTotal())).append('\n');
    return b.toString();
  }

  private static String sglang(EngineModel.Snapshot s) {
    String l = "engine_type=\"unified\",model_name=\"" + s.profile().model() + "\"";
    StringBuilder b = new StringBuilder(1024);
    gauge(b, "sglang:num_running_reqs", "The number of running requests.", l, s.running());
    gauge(b, "sglang:num_queue_reqs", "The number of requests in the waiting queue.", l, s.waiting());
    gauge(b, "sglang:token_usage", "The token usage.", l, s.kvCacheUsage());
    gauge(b, "sglang:num_used_tokens", "The number of used tokens.", l,
        (double) s.kvBlocksUsed() * s.profile().blockSizeTokens());
    gauge(b, "sglang:cache_hit_rate", "The prefix cache hit rate.", l,
        s.prefixQueriedTokensTotal() == 0 ? 0 : (double) s.prefixHitTokensTotal() / s.prefixQueriedTokensTotal());
    b.append("# HELP sglang:cache_config_info Information of the cache configuration\n")
        .append("# TYPE sglang:cache_config_info gauge\n")
        .append("sglang:cache_config_info{num_pages=\"").append(s.profile().kvCacheBlocks())
        .append("\",page_size=\"").append(s.profile().blockSizeTokens()).append("\"} 1.0\n");
    counter(b, "sglang:prompt_tokens_total", "Number of prefill tokens processed.", l, s.promptTokensTotal());
    counter(b, "sglang:generation_tokens_total", "Number of generation tokens processed.", l,
        s.generationTokensTotal());
    return b.toString();
  }

  private static String triton(EngineModel.Snapshot s) {
    StringBuilder b = new StringBuilder(1536);
    b.append("# HELP nv_trt_llm_request_metrics TRT LLM request metrics\n# TYPE nv_trt_llm_request_metrics gauge\n");
    trtRequests(b, "active", s.running() + s.waiting());
    trtRequests(b, "context", 0);
    trtRequests(b, "max", s.profile().maxRunningRequests());
    trtRequests(b, "scheduled", s.running());
    trtRequests(b, "waiting", s.waiting());
    int max = s.profile().kvCacheBlocks();
    b.append("# HELP nv_trt_llm_kv_cache_block_metrics TRT LLM KV cache block metrics\n")
        .append("# TYPE nv_trt_llm_kv_cache_block_metrics gauge\n");
    trtBlocks(b, "fraction", num(s.kvCacheUsage()));
    trtBlocks(b, "free", Integer.toString(max - s.kvBlocksUsed()));
    trtBlocks(b, "max", Integer.toString(max));
    trtBlocks(b, "tokens_per", Integer.toString(s.profile().blockSizeTokens()));
    trtBlocks(b, "used", Integer.toString(s.kvBlocksUsed()));
    return b.toString();
  }

  private static void trtRequests(StringBuilder b, String type, int value) {
    b.append("nv_trt_llm_request_metrics{model=\"tensorrt_llm\",request_type=\"").append(type)
        .append("\",version=\"1\"} ").append(value).append('\n');
  }

  private static void trtBlocks(StringBuilder b, String type, String value) {
    b.append("nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=\"").append(type)
        .append("\",model=\"tensorrt_llm\",version=\"1\"} ").append(value).append('\n');
  }

  private static void gauge(StringBuilder b, String name, String help, String labels, double value) {
    b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
        .append(name).append('{').append(labels).append("} ").append(num(value)).append('\n');
  }

  private static void counter(StringBuilder b, String name, String help, String labels, double value) {
    b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
        .append(name).append('{').append(labels).append("} ").append(num(value)).append('\n');
  }

  private static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? String.format(Locale.ROOT, "%.1f", v)
        : String.format(Locale.ROOT, "%.6f", v);
  }
}
