package dev.loadfuse.engine;

import dev.loadfuse.engine.prometheus.ParseDiagnostics;
import dev.loadfuse.engine.prometheus.ParseError;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;

/**
 * The load an engine reported in one scrape of its metrics page. Immutable and thread-safe.
 *
 * <p>A signal the page did not carry is empty, never zero, and its metric spec is listed in
 * {@link #missing()}. Signals whose spec is disabled in the configuration are empty and not
 * listed.
 *
 * @param engine name of the engine configuration that read the page
 * @param waitingRequests requests queued in the engine (sum over the matching series, e.g. over
 *     data-parallel ranks); finite, >= 0
 * @param runningRequests requests being processed (sum over series); finite, >= 0
 * @param kvCacheUsage KV-cache usage as a fraction in [0, 1] (largest series)
 * @param lora LoRA state, when the engine reports it
 * @param cacheBlockSize tokens per KV-cache block (vLLM {@code block_size}, SGLang {@code
 *     page_size}, TensorRT-LLM {@code tokens_per}); > 0
 * @param numGpuBlocks KV-cache blocks on the GPU; > 0
 * @param missing spec text of each configured signal the page lacked, e.g. {@code
 *     vllm:num_requests_waiting}
 * @param diagnostics what the parser skipped
 */
public record EngineSample(
    String engine,
    OptionalDouble waitingRequests,
    OptionalDouble runningRequests,
    OptionalDouble kvCacheUsage,
    Optional<LoraInfo> lora,
    OptionalLong cacheBlockSize,
    OptionalLong numGpuBlocks,
    List<String> missing,
    ParseDiagnostics diagnostics) {

  public EngineSample {
    Objects.requireNonNull(engine, "engine");
    if (engine.isBlank()) {
      throw new IllegalArgumentException("engine: \"" + engine + "\" (expected: non-blank)");
    }
    checkCount("waitingRequests", waitingRequests);
    checkCount("runningRequests", runningRequests);
    Objects.requireNonNull(kvCacheUsage, "kvCacheUsage");
    if (kvCacheUsage.isPresent()) {
      double kv = kvCacheUsage.getAsDouble();
      if (!(kv >= 0 && kv <= 1)) {
        throw new IllegalArgumentException("kvCacheUsage: " + kv + " (expected: [0, 1])");
      }
    }
    Objects.requireNonNull(lora, "lora");
    checkPositive("cacheBlockSize", cacheBlockSize);
    checkPositive("numGpuBlocks", numGpuBlocks);
    missing = List.copyOf(missing);
    Objects.requireNonNull(diagnostics, "diagnostics");
  }

  private static void checkCount(String field, OptionalDouble v) {
    Objects.requireNonNull(v, field);
    if (v.isPresent() && !(v.getAsDouble() >= 0 && v.getAsDouble() < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          field + ": " + v.getAsDouble() + " (expected: finite, >= 0)");
    }
  }

  private static void checkPositive(String field, OptionalLong v) {
    Objects.requireNonNull(v, field);
    if (v.isPresent() && v.getAsLong() <= 0) {
      throw new IllegalArgumentException(field + ": " + v.getAsLong() + " (expected: > 0)");
    }
  }

  /** Malformed lines skipped by the parser. */
  public int skippedLines() {
    return diagnostics.skippedLines();
  }

  /** The first malformed line, if any. */
  public Optional<ParseError> firstError() {
    return diagnostics.firstError();
  }

  public EngineSample withWaitingRequests(OptionalDouble v) {
    return new EngineSample(engine, v, runningRequests, kvCacheUsage, lora, cacheBlockSize,
        numGpuBlocks, missing, diagnostics);
  }

  public EngineSample withRunningRequests(OptionalDouble v) {
    return new EngineSample(engine, waitingRequests, v, kvCacheUsage, lora, cacheBlockSize,
        numGpuBlocks, missing, diagnostics);
  }

  public EngineSample withKvCacheUsage(OptionalDouble v) {
    return new EngineSample(engine, waitingRequests, runningRequests, v, lora, cacheBlockSize,
        numGpuBlocks, missing, diagnostics);
  }
}
