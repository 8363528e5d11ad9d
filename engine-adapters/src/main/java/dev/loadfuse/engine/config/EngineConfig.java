package dev.loadfuse.engine.config;

import dev.loadfuse.engine.spec.MetricSpec;
import java.util.Objects;
import java.util.Optional;

/**
 * Which metrics of one inference engine carry its load: one {@link MetricSpec} per signal. An
 * empty spec disables that signal. Engines differ only by this data; the extractor has no
 * per-engine code.
 *
 * <p>The first ten components use the field names of the model-server-protocol-metrics plugin
 * ({@code engineConfigs[]} entries). The last five are loadfuse extensions, read only when the
 * primary metric is absent from a page: renamed metrics of older engine versions, and the
 * used/total block pair that older TensorRT-LLM backends expose instead of a usage fraction.
 *
 * <p>Cache geometry comes either from labels of an info-style gauge ({@code cacheInfoSpec} with
 * {@code cacheBlockSizeLabelName}/{@code cacheNumBlocksLabelName}: vLLM {@code block_size}/{@code
 * num_gpu_blocks}, SGLang {@code page_size}/{@code num_pages}) or from gauge values ({@code
 * cacheBlockSizeSpec}/{@code cacheNumBlocksSpec}: TensorRT-LLM series, trtllm-serve gauges).
 * When both are set, the gauge values win.
 *
 * <p>Immutable and thread-safe.
 *
 * @param name engine name, matched against the pod label and pool annotation
 * @param queuedRequestsSpec requests waiting in the engine's queue (summed over series)
 * @param runningRequestsSpec requests being processed (summed over series)
 * @param kvUsageSpec KV-cache usage as a fraction 0..1 (largest series)
 * @param loraSpec LoRA info gauge (series with the largest value is current)
 * @param cacheInfoSpec info-style gauge whose labels hold the cache geometry
 * @param cacheBlockSizeLabelName label of {@code cacheInfoSpec} holding the block size in tokens
 * @param cacheNumBlocksLabelName label of {@code cacheInfoSpec} holding the number of GPU blocks
 * @param cacheBlockSizeSpec gauge whose value is the block size in tokens
 * @param cacheNumBlocksSpec gauge whose value is the number of GPU blocks
 * @param queuedRequestsFallbackSpec read when {@code queuedRequestsSpec} is absent
 * @param runningRequestsFallbackSpec read when {@code runningRequestsSpec} is absent
 * @param kvUsageFallbackSpec read when {@code kvUsageSpec} is absent
 * @param kvUsedBlocksSpec used KV blocks; with {@code kvTotalBlocksSpec}, usage = used / total
 *     when neither KV usage spec is present
 * @param kvTotalBlocksSpec total KV blocks, see {@code kvUsedBlocksSpec}
 */
public record EngineConfig(
    String name,
    Optional<MetricSpec> queuedRequestsSpec,
    Optional<MetricSpec> runningRequestsSpec,
    Optional<MetricSpec> kvUsageSpec,
    Optional<MetricSpec> loraSpec,
    Optional<MetricSpec> cacheInfoSpec,
    String cacheBlockSizeLabelName,
    String cacheNumBlocksLabelName,
    Optional<MetricSpec> cacheBlockSizeSpec,
    Optional<MetricSpec> cacheNumBlocksSpec,
    Optional<MetricSpec> queuedRequestsFallbackSpec,
    Optional<MetricSpec> runningRequestsFallbackSpec,
    Optional<MetricSpec> kvUsageFallbackSpec,
    Optional<MetricSpec> kvUsedBlocksSpec,
    Optional<MetricSpec> kvTotalBlocksSpec) {

  public static final String DEFAULT_CACHE_BLOCK_SIZE_LABEL = "block_size";
  public static final String DEFAULT_CACHE_NUM_BLOCKS_LABEL = "num_gpu_blocks";

  public EngineConfig {
    Objects.requireNonNull(name, "name");
    if (name.isBlank()) {
      throw new IllegalArgumentException("name: \"" + name + "\" (expected: non-blank)");
    }
    Objects.requireNonNull(queuedRequestsSpec, "queuedRequestsSpec");
    Objects.requireNonNull(runningRequestsSpec, "runningRequestsSpec");
    Objects.requireNonNull(kvUsageSpec, "kvUsageSpec");
    Objects.requireNonNull(loraSpec, "loraSpec");
    Objects.requireNonNull(cacheInfoSpec, "cacheInfoSpec");
    cacheBlockSizeLabelName = labelName("cacheBlockSizeLabelName", cacheBlockSizeLabelName,
        DEFAULT_CACHE_BLOCK_SIZE_LABEL);
    cacheNumBlocksLabelName = labelName("cacheNumBlocksLabelName", cacheNumBlocksLabelName,
        DEFAULT_CACHE_NUM_BLOCKS_LABEL);
    Objects.requireNonNull(cacheBlockSizeSpec, "cacheBlockSizeSpec");
    Objects.requireNonNull(cacheNumBlocksSpec, "cacheNumBlocksSpec");
    Objects.requireNonNull(queuedRequestsFallbackSpec, "queuedRequestsFallbackSpec");
    Objects.requireNonNull(runningRequestsFallbackSpec, "runningRequestsFallbackSpec");
    Objects.requireNonNull(kvUsageFallbackSpec, "kvUsageFallbackSpec");
    Objects.requireNonNull(kvUsedBlocksSpec, "kvUsedBlocksSpec");
    Objects.requireNonNull(kvTotalBlocksSpec, "kvTotalBlocksSpec");
    if (kvUsedBlocksSpec.isPresent() != kvTotalBlocksSpec.isPresent()) {
      throw new IllegalArgumentException(
          "kvUsedBlocksSpec: " + kvUsedBlocksSpec.map(MetricSpec::text).orElse("\"\"")
              + ", kvTotalBlocksSpec: " + kvTotalBlocksSpec.map(MetricSpec::text).orElse("\"\"")
              + " (expected: both set or both empty)");
    }
  }

  private static String labelName(String field, String value, String dflt) {
    if (value == null || value.isEmpty()) {
      return dflt;
    }
    if (!value.matches("[a-zA-Z_][a-zA-Z0-9_]*")) {
      throw new IllegalArgumentException(
          field + ": \"" + value + "\" (expected: a label name [a-zA-Z_][a-zA-Z0-9_]*)");
    }
    return value;
  }

  /** A builder for an engine called {@code name} with every spec empty. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** A builder preset with this configuration. */
  public Builder toBuilder() {
    Builder b = new Builder(name);
    b.queued = queuedRequestsSpec;
    b.running = runningRequestsSpec;
    b.kv = kvUsageSpec;
    b.lora = loraSpec;
    b.cacheInfo = cacheInfoSpec;
    b.blockSizeLabel = cacheBlockSizeLabelName;
    b.numBlocksLabel = cacheNumBlocksLabelName;
    b.blockSize = cacheBlockSizeSpec;
    b.numBlocks = cacheNumBlocksSpec;
    b.queuedFallback = queuedRequestsFallbackSpec;
    b.runningFallback = runningRequestsFallbackSpec;
    b.kvFallback = kvUsageFallbackSpec;
    b.kvUsed = kvUsedBlocksSpec;
    b.kvTotal = kvTotalBlocksSpec;
    return b;
  }

  /** A copy whose queue is read from {@code spec} only (the fallback is dropped). */
  public EngineConfig withQueuedRequestsSpec(Optional<MetricSpec> spec) {
    return toBuilder().queuedRequestsSpec(spec).queuedRequestsFallbackSpec(Optional.empty())
        .build();
  }

  /** A copy whose KV usage is read from {@code spec} only (fallbacks are dropped). */
  public EngineConfig withKvUsageSpec(Optional<MetricSpec> spec) {
    return toBuilder()
        .kvUsageSpec(spec)
        .kvUsageFallbackSpec(Optional.empty())
        .kvUsedBlocksSpec(Optional.empty())
        .kvTotalBlocksSpec(Optional.empty())
        .build();
  }

  /** A copy whose LoRA info is read from {@code spec}; empty turns LoRA off. */
  public EngineConfig withLoraSpec(Optional<MetricSpec> spec) {
    return toBuilder().loraSpec(spec).build();
  }

  /**
   * Builds an {@link EngineConfig}. String setters parse the spec and throw {@link
   * dev.loadfuse.engine.spec.InvalidMetricSpecException}; an empty string disables the signal.
   */
  public static final class Builder {
    private final String name;
    private Optional<MetricSpec> queued = Optional.empty();
    private Optional<MetricSpec> running = Optional.empty();
    private Optional<MetricSpec> kv = Optional.empty();
    private Optional<MetricSpec> lora = Optional.empty();
    private Optional<MetricSpec> cacheInfo = Optional.empty();
    private String blockSizeLabel = DEFAULT_CACHE_BLOCK_SIZE_LABEL;
    private String numBlocksLabel = DEFAULT_CACHE_NUM_BLOCKS_LABEL;
    private Optional<MetricSpec> blockSize = Optional.empty();
    private Optional<MetricSpec> numBlocks = Optional.empty();
    private Optional<MetricSpec> queuedFallback = Optional.empty();
    private Optional<MetricSpec> runningFallback = Optional.empty();
    private Optional<MetricSpec> kvFallback = Optional.empty();
    private Optional<MetricSpec> kvUsed = Optional.empty();
    private Optional<MetricSpec> kvTotal = Optional.empty();

    private Builder(String name) {
      this.name = name;
    }

    public Builder queuedRequestsSpec(String spec) {
      return queuedRequestsSpec(MetricSpec.parseOptional(spec));
    }

    public Builder queuedRequestsSpec(Optional<MetricSpec> spec) {
      this.queued = Objects.requireNonNull(spec);
      return this;
    }

    public Builder runningRequestsSpec(String spec) {
      return runningRequestsSpec(MetricSpec.parseOptional(spec));
    }

    public Builder runningRequestsSpec(Optional<MetricSpec> spec) {
      this.running = Objects.requireNonNull(spec);
      return this;
    }

    public Builder kvUsageSpec(String spec) {
      return kvUsageSpec(MetricSpec.parseOptional(spec));
    }

    public Builder kvUsageSpec(Optional<MetricSpec> spec) {
      this.kv = Objects.requireNonNull(spec);
      return this;
    }

    public Builder loraSpec(String spec) {
      return loraSpec(MetricSpec.parseOptional(spec));
    }

    public Builder loraSpec(Optional<MetricSpec> spec) {
      this.lora = Objects.requireNonNull(spec);
      return this;
    }

    public Builder cacheInfoSpec(String spec) {
      return cacheInfoSpec(MetricSpec.parseOptional(spec));
    }

    public Builder cacheInfoSpec(Optional<MetricSpec> spec) {
      this.cacheInfo = Objects.requireNonNull(spec);
      return this;
    }

    /** Empty means the default {@value #DEFAULT_CACHE_BLOCK_SIZE_LABEL}. */
    public Builder cacheBlockSizeLabelName(String label) {
      this.blockSizeLabel = label;
      return this;
    }

    /** Empty means the default {@value #DEFAULT_CACHE_NUM_BLOCKS_LABEL}. */
    public Builder cacheNumBlocksLabelName(String label) {
      this.numBlocksLabel = label;
      return this;
    }

    public Builder cacheBlockSizeSpec(String spec) {
      return cacheBlockSizeSpec(MetricSpec.parseOptional(spec));
    }

    public Builder cacheBlockSizeSpec(Optional<MetricSpec> spec) {
      this.blockSize = Objects.requireNonNull(spec);
      return this;
    }

    public Builder cacheNumBlocksSpec(String spec) {
      return cacheNumBlocksSpec(MetricSpec.parseOptional(spec));
    }

    public Builder cacheNumBlocksSpec(Optional<MetricSpec> spec) {
      this.numBlocks = Objects.requireNonNull(spec);
      return this;
    }

    public Builder queuedRequestsFallbackSpec(String spec) {
      return queuedRequestsFallbackSpec(MetricSpec.parseOptional(spec));
    }

    public Builder queuedRequestsFallbackSpec(Optional<MetricSpec> spec) {
      this.queuedFallback = Objects.requireNonNull(spec);
      return this;
    }

    public Builder runningRequestsFallbackSpec(String spec) {
      return runningRequestsFallbackSpec(MetricSpec.parseOptional(spec));
    }

    public Builder runningRequestsFallbackSpec(Optional<MetricSpec> spec) {
      this.runningFallback = Objects.requireNonNull(spec);
      return this;
    }

    public Builder kvUsageFallbackSpec(String spec) {
      return kvUsageFallbackSpec(MetricSpec.parseOptional(spec));
    }

    public Builder kvUsageFallbackSpec(Optional<MetricSpec> spec) {
      this.kvFallback = Objects.requireNonNull(spec);
      return this;
    }

    public Builder kvUsedBlocksSpec(String spec) {
      return kvUsedBlocksSpec(MetricSpec.parseOptional(spec));
    }

    public Builder kvUsedBlocksSpec(Optional<MetricSpec> spec) {
      this.kvUsed = Objects.requireNonNull(spec);
      return this;
    }

    public Builder kvTotalBlocksSpec(String spec) {
      return kvTotalBlocksSpec(MetricSpec.parseOptional(spec));
    }

    public Builder kvTotalBlocksSpec(Optional<MetricSpec> spec) {
      this.kvTotal = Objects.requireNonNull(spec);
      return this;
    }

    public EngineConfig build() {
      return new EngineConfig(
          name,
          queued,
          running,
          kv,
          lora,
          cacheInfo,
          blockSizeLabel,
          numBlocksLabel,
          blockSize,
          numBlocks,
          queuedFallback,
          runningFallback,
          kvFallback,
          kvUsed,
          kvTotal);
    }
  }
}
