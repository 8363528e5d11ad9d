package dev.loadfuse.sidecar.testing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** What the sidecar's end-to-end tests feed it and read back: real pages, mock GPUs, /v1/load. */
public final class SidecarTestFiles {

  public static final String GPU_A = "GPU-1b2c3d4e-0000-0000-0000-000000000001";
  public static final String GPU_B = "GPU-1b2c3d4e-0000-0000-0000-000000000002";

  private SidecarTestFiles() {}

  /** A real {@code /metrics} page from the engine-adapters test-jar ({@code fixtures/metrics}). */
  public static byte[] fixture(String name) {
    try (InputStream in = SidecarTestFiles.class.getResourceAsStream("/fixtures/metrics/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture page " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * A mock GPU file: {@link #GPU_A} (60 °C, half busy, 20 GiB used) and {@link #GPU_B} (no
   * temperature, 10 % busy, 1 GiB used), which is lost after three samples when {@code loseB}.
   */
  public static String mockGpus(boolean loseB) {
    return """
        driverVersion: "560.35.03"
        gpus:
          - uuid: %s
            name: NVIDIA H100 80GB HBM3
            memoryTotalBytes: 85899345920
            memoryUsedBytes: 21474836480
            gpuUtilization: 0.5
            temperatureC: 60
          - uuid: %s
            name: NVIDIA H100 80GB HBM3
            memoryTotalBytes: 85899345920
            memoryUsedBytes: 1073741824
            gpuUtilization: 0.1
        """.formatted(GPU_A, GPU_B) + (loseB ? "    faults:\n      - lost: {afterSamples: 3}\n" : "");
  }

  /** The endpoint named {@code name} in a {@code /v1/load} answer; null when absent. */
  public static JsonNode endpoint(JsonNode load, String name) {
    for (JsonNode e : load.get("endpoints")) {
      if (e.get("name").asText().equals(name)) {
        return e;
      }
    }
    return null;
  }

  /**
   * An endpoints file of pool {@code local-pool}: {@code vllm-0} on {@link #GPU_A}, {@code
   * sglang-0} without a GPU, {@code triton-0} ({@code trt-llm}) on {@link #GPU_B}, on loopback.
   */
  public static String threeEngines(int vllmPort, int sglangPort, int tritonPort) {
    return "pool: {name: local-pool}\nendpoints:\n" + endpoint("vllm-0", vllmPort, "vllm", GPU_A)
        + endpoint("sglang-0", sglangPort, "sglang") + endpoint("triton-0", tritonPort, "trt-llm", GPU_B);
  }

  /** An endpoints file of pool {@code local-pool} with {@code vllm-0} on loopback, on {@code gpus}. */
  public static String oneVllm(int port, String... gpus) {
    return "pool: {name: local-pool}\nendpoints:\n" + endpoint("vllm-0", port, "vllm", gpus);
  }

  private static String endpoint(String name, int port, String engine, String... gpus) {
    return """
          - name: %s
            address: 127.0.0.1
            port: %d
            labels: {inference.networking.k8s.io/engine-type: %s}
            gpus: [%s]
        """.formatted(name, port, engine, String.join(", ", gpus));
  }
}
