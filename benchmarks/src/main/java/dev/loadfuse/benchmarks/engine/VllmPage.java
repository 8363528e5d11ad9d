package dev.loadfuse.benchmarks.engine;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A deterministic, realistic vLLM V1 /metrics page: four data-parallel engines of one model, the
 * V1 counter and histogram families with prometheus_client's {@code _created} companions,
 * Python/process families, the load gauges, {@code vllm:lora_requests_info} (three series) and a
 * 29-label {@code vllm:cache_config_info}. Label order follows vLLM ({@code engine}, {@code le},
 * {@code model_name}); values use Python's float formatting.
 */
public final class VllmPage {
  private VllmPage() {}

  public static final String MODEL = "meta-llama/Llama-3.1-8B-Instruct";
  public static final int ENGINES = 4;

  private static final double[] LATENCY = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0, 640.0, 2560.0
  };
  private static final double[] TOKENS = {
    1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10000.0
  };
  private static final double[] ITERATION = {
    1.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0, 1024.0, 2048.0, 4096.0, 8192.0, 16384.0
  };

  /** The page, about 100 KB. */
  public static byte[] build() {
    SplittableRandom rnd = new SplittableRandom(2025);
    StringBuilder sb = new StringBuilder(128 * 1024);
    python(sb);
    gauge(sb, "vllm:num_requests_running", "Number of requests in model execution batches.",
        e -> (double) (20 + 3 * e));
    gauge(sb, "vllm:num_requests_waiting", "Number of requests waiting to be processed.",
        e -> (double) (e == 0 ? 0 : 5 * e));
    gauge(sb, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
        e -> 0.1 + 0.2 * e + 0.0123456789);
    sb.append("# HELP vllm:lora_requests_info Running stats on lora requests.\n");
    sb.append("# TYPE vllm:lora_requests_info gauge\n");
    sb.append("vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"\",waiting_lora_adapters=\"\"} 1.7395575657589855e+09\n");
    sb.append("vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"sql-lora,chat-lora\",waiting_lora_adapters=\"\"} 1.7395575723949368e+09\n");
    sb.append("vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"sql-lora\",waiting_lora_adapters=\"chat-lora\"} 1.7395575717647147e+09\n");
    counter(sb, rnd, "vllm:num_preemptions", "Cumulative number of preemption from the engine.");
    counter(sb, rnd, "vllm:prompt_tokens", "Number of prefill tokens processed.");
    counter(sb, rnd, "vllm:generation_tokens", "Number of generation tokens processed.");
    counter(sb, rnd, "vllm:prefix_cache_queries", "Prefix cache queries, in terms of number of queried tokens.");
    counter(sb, rnd, "vllm:prefix_cache_hits", "Prefix cache hits, in terms of number of cached tokens.");
    sb.append("# HELP vllm:request_success_total Count of successfully processed requests.\n");
    sb.append("# TYPE vllm:request_success_total counter\n");
    for (int e = 0; e < ENGINES; e++) {
      for (String reason : new String[] {"stop", "length", "abort"}) {
        sb.append("vllm:request_success_total{engine=\"").append(e)
            .append("\",finished_reason=\"").append(reason)
            .append("\",model_name=\"").append(MODEL).append("\"} ")
            .append(py(rnd.nextInt(100_000))).append('\n');
      }
    }
    histogram(sb, rnd, "vllm:iteration_tokens_total", "Histogram of number of tokens per engine_step.", ITERATION);
    histogram(sb, rnd, "vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.", LATENCY);
    histogram(sb, rnd, "vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.", LATENCY);
    histogram(sb, rnd, "vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.", LATENCY);
    histogram(sb, rnd, "vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request.", LATENCY);
    histogram(sb, rnd, "vllm:request_inference_time_seconds", "Histogram of time spent in RUNNING phase for request.", LATENCY);
    histogram(sb, rnd, "vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request.", LATENCY);
    histogram(sb, rnd, "vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request.", LATENCY);
    histogram(sb, rnd, "vllm:request_prompt_tokens", "Number of prefill tokens processed.", TOKENS);
    histogram(sb, rnd, "vllm:request_generation_tokens", "Number of generation tokens processed.", TOKENS);
    cacheConfig(sb);
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private interface PerEngine {
    double value(int engine);
  }

  private static void gauge(StringBuilder sb, String name, String help, PerEngine v) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" gauge\n");
    for (int e = 0; e < ENGINES; e++) {
      sb.append(name).append("{engine=\"").append(e).append("\",model_name=\"").append(MODEL)
          .append("\"} ").append(py(v.value(e))).append('\n');
    }
  }

  private static void counter(StringBuilder sb, SplittableRandom rnd, String name, String help) {
    sb.append("# HELP ").append(name).append("_total ").append(help).append('\n');
    sb.append("# TYPE ").append(name).append("_total counter\n");
    for (int e = 0; e < ENGINES; e++) {
      sb.append(name).append("_total{engine=\"").append(e).append("\",model_name=\"").append(MODEL)
          .append("\"} ").append(py(rnd.nextInt(10_000_000))).append('\n');
    }
    sb.append("# HELP ").append(name).append("_created ").append(help).append('\n');
    sb.append("# TYPE ").append(name).append("_created gauge\n");
    for (int e = 0; e < ENGINES; e++) {
      sb.append(name).append("_created{engine=\"").append(e).append("\",model_name=\"")
          .append(MODEL).append("\"} ").append(py(1.7537953269352946e+09 + e * 0.0123)).append('\n');
    }
  }

  private static void histogram(
      StringBuilder sb, SplittableRandom rnd, String name, String help, double[] buckets) {
    sb.append("# HELP ").append(name).append(' ').append(help).append('\n');
    sb.append("# TYPE ").append(name).append(" histogram\n");
    for (int e = 0; e < ENGINES; e++) {
      long count = 0;
      for (double le : buckets) {
        count += rnd.nextInt(50);
        sb.append(name).append("_bucket{engine=\"").append(e).append("\",le=\"").append(py(le))
            .append("\",model_name=\"").append(MODEL).append("\"} ").append(py(count)).append('\n');
      }
      sb.append(name).append("_bucket{engine=\"").append(e).append("\",le=\"+Inf\",model_name=\"")
          .append(MODEL).append("\"} ").append(py(count)).append('\n');
      sb.append(name).append("_count{engine=\"").append(e).append("\",model_name=\"").append(MODEL)
          .append("\"} ").append(py(count)).append('\n');
      sb.append(name).append("_sum{engine=\"").append(e).append("\",model_name=\"").append(MODEL)
          .append("\"} ").append(py(rnd.nextDouble() * 1e5)).append('\n');
    }
    sb.append("# HELP ").append(name).append("_created ").append(help).append('\n');
    sb.append("# TYPE ").append(name).append("_created gauge\n");
    for (int e = 0; e < ENGINES; e++) {
      sb.append(name).append("_created{engine=\"").append(e).append("\",model_name=\"")
          .append(MODEL).append("\"} ").append(py(1.7537953269352946e+09 + e)).append('\n');
    }
  }

  private static void python(StringBuilder sb) {
    for (int gen = 0; gen < 3; gen++) {
      sb.append("python_gc_objects_collected_total{generation=\"").append(gen).append("\"} ")
          .append(py(1000.0 * (gen + 7))).append('\n');
    }
    sb.append("# HELP python_info Python platform information\n# TYPE python_info gauge\n");
    sb.append("python_info{implementation=\"CPython\",major=\"3\",minor=\"12\",patchlevel=\"9\",version=\"3.12.9\"} 1.0\n");
    sb.append("# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n# TYPE process_virtual_memory_bytes gauge\n");
    sb.append("process_virtual_memory_bytes 1.3312016384e+011\n");
    sb.append("# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n");
    sb.append("# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds 1.74262400557e+09\n");
    sb.append("# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n");
    sb.append("# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total 439.71999999999997\n");
    sb.append("# HELP process_open_fds Number of open file descriptors.\n# TYPE process_open_fds gauge\nprocess_open_fds 45.0\n");
  }

  private static void cacheConfig(StringBuilder sb) {
    sb.append("# HELP vllm:cache_config_info Information of the LLMEngine CacheConfig\n");
    sb.append("# TYPE vllm:cache_config_info gauge\n");
    sb.append("vllm:cache_config_info{_block_size_resolved=\"16\",block_size=\"16\",cache_dtype=\"auto\","
        + "calculate_kv_scales=\"False\",cpu_kvcache_space_bytes=\"None\",cpu_offload_gb=\"0\","
        + "enable_prefix_caching=\"True\",engine=\"0\",gpu_memory_utilization=\"0.9\","
        + "is_attention_free=\"False\",kv_cache_memory_bytes=\"None\",kv_offloading_backend=\"None\","
        + "kv_offloading_size=\"None\",kv_sharing_fast_prefill=\"False\",mamba_block_size=\"None\","
        + "mamba_cache_dtype=\"auto\",mamba_page_size_padded=\"None\",mamba_ssm_cache_dtype=\"auto\","
        + "num_cpu_blocks=\"None\",num_gpu_blocks=\"81767\",num_gpu_blocks_override=\"None\","
        + "prefix_caching_hash_algo=\"sha256\",sliding_window=\"None\",swap_space=\"4\","
        + "swap_space_bytes=\"4294967296\",user_specified_block_size=\"False\",cache_config_extra=\"[]\","
        + "kv_events_config=\"None\",sink_size=\"None\"} 1.0\n");
  }

  /** Python's repr of a float: integers as "12.0", else shortest round-trip digits. */
  private static String py(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e16) {
      return String.format(Locale.ROOT, "%.1f", v);
    }
    String s = Double.toString(v);
    return s.contains("E") ? s.replace("E", "e+").replace("e+-", "e-") : s;
  }
}
