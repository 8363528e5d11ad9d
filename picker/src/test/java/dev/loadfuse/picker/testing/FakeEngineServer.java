package dev.loadfuse.picker.testing;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A model server's {@code /metrics} page served over real HTTP on an ephemeral port, in one of
 * three engines' formats with a fixed load (set with {@link #load}).
 */
public final class FakeEngineServer implements AutoCloseable {

  /** The page formats. */
  public enum Format {
    VLLM("vllm"), SGLANG("sglang"), TRITON("trt-llm");

    public final String engineType;

    Format(String engineType) {
      this.engineType = engineType;
    }
  }

  private final Format format;
  private final HttpServer server;
  private volatile String page;
  private volatile String loraLine = "";
  private volatile String loraRunning = "";

  private FakeEngineServer(Vertx vertx, Format format) throws Exception {
    this.format = format;
    load(0, 0, 0);
    this.server = vertx.createHttpServer()
        .requestHandler(req -> req.response().putHeader("content-type", "text/plain; version=0.0.4").end(page))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  public static FakeEngineServer start(Vertx vertx, Format format) throws Exception {
    return new FakeEngineServer(vertx, format);
  }

  public int port() {
    return server.actualPort();
  }

  public Format format() {
    return format;
  }

  /**
   * vLLM only: also serves {@code vllm:lora_requests_info} with these adapters (comma-separated)
   * and {@code max_lora}; applies from the next {@link #load} call.
   */
  public FakeEngineServer lora(String runningAdapters, String waitingAdapters, int maxLora) {
    loraRunning = maxLora == 0 ? "" : runningAdapters;
    loraLine = """
        # TYPE vllm:lora_requests_info gauge
        vllm:lora_requests_info{max_lora="%d",running_lora_adapters="%s",waiting_lora_adapters="%s"} 1.7e+09
        """.formatted(maxLora, runningAdapters, waitingAdapters);
    return this;
  }

  /** The running adapters last set with {@link #lora} ("" when LoRA is off). */
  public String currentLora() {
    return loraRunning;
  }

  /** Serves these numbers from now on. */
  public FakeEngineServer load(int waiting, int running, double kv) {
    String k = String.format(Locale.ROOT, "%.4f", kv);
    page = switch (format) {
      case VLLM -> """
          # TYPE vllm:num_requests_running gauge
          vllm:num_requests_running{engine="0",model_name="m"} %d
          # TYPE vllm:num_requests_waiting gauge
          vllm:num_requests_waiting{engine="0",model_name="m"} %d
          # TYPE vllm:kv_cache_usage_perc gauge
          vllm:kv_cache_usage_perc{engine="0",model_name="m"} %s
          """.formatted(running, waiting, k) + loraLine;
      case SGLANG -> """
          # TYPE sglang:num_running_reqs gauge
          sglang:num_running_reqs{model_name="m"} %d
          # TYPE sglang:num_queue_reqs gauge
          sglang:num_queue_reqs{model_name="m"} %d
          # TYPE sglang:token_usage gauge
          sglang:token_usage{model_name="m"} %s
          """.formatted(running, waiting, k);
      case TRITON -> """
          # TYPE nv_trt_llm_request_metrics gauge
          nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="waiting",version="1"} %d
          nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="scheduled",version="1"} %d
          # TYPE nv_trt_llm_kv_cache_block_metrics gauge
          nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction",model="tensorrt_llm",version="1"} %s
          """.formatted(waiting, running, k);
    };
    return this;
  }

  /** One entry of an endpoints file for this server. */
  public String endpointEntry(String name) {
    return """
          - name: %s
            address: 127.0.0.1
            port: %d
            labels: {inference.networking.k8s.io/engine-type: %s}
        """.formatted(name, port(), format.engineType);
  }

  @Override
  public void close() throws Exception {
    server.close().await(10, TimeUnit.SECONDS);
  }
}
