package dev.loadfuse.benchmarks.sim;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * The engine whose {@code /metrics} format a simulated server speaks, and the value of the
 * {@code inference.networking.k8s.io/engine-type} label the sidecar selects its adapter by.
 */
public enum EngineKind {
  VLLM_V1("vllm-v1", "vllm"),
  VLLM_V0("vllm-v0", "vllm"),
  SGLANG("sglang", "sglang"),
  TRITON_TRT_LLM("trt-llm", "trt-llm");

  private final String id;
  private final String engineLabel;

  EngineKind(String id, String engineLabel) {
    this.id = id;
    this.engineLabel = engineLabel;
  }

  /** The name used in profiles ({@code kind: vllm-v1}). */
  public String id() {
    return id;
  }

  /** The engine-type label value the sidecar maps to its built-in adapter. */
  public String engineLabel() {
    return engineLabel;
  }

  /** Parses a profile's {@code kind}; the error names the accepted values. */
  public static EngineKind parse(String path, String value) {
    for (EngineKind k : values()) {
      if (k.id.equals(value)) {
        return k;
      }
    }
    throw new IllegalArgumentException(path + ": " + value + " (expected: one of "
        + Arrays.stream(values()).map(EngineKind::id).collect(Collectors.joining(", ")) + ")");
  }
}
