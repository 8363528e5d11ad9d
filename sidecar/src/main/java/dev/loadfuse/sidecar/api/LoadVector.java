package dev.loadfuse.sidecar.api;

import dev.loadfuse.engine.EngineSample;
import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.nvml.GpuSample;
import java.util.List;
import java.util.Objects;

/**
 * The fused load of one endpoint: its engine's metrics and its GPUs' state. Immutable; published
 * on {@link LoadBus#LOAD} as soon as something routing reads changes (the sidecar's publish
 * filter: not the energy counter or the sample times alone) and at least every publish heartbeat.
 *
 * <p>Engine numbers are primitives read on the picker's hot path; an absent metric is {@link
 * Double#NaN} (doubles) or {@code -1} (longs), never zero.
 * Timestamps are wall-clock milliseconds (comparable across nodes within clock skew); 0 means
 * "never".
 *
 * @param endpoint who this is
 * @param engine the engine adapter used ({@code vllm}, {@code sglang}, ...), null when the engine
 *     could not be resolved (see {@code lastError})
 * @param waitingRequests requests queued in the engine (summed over ranks), NaN if absent
 * @param runningRequests requests running in the engine (summed over ranks), NaN if absent
 * @param kvCacheUsage KV-cache usage fraction in [0, 1] (max over ranks), NaN if absent
 * @param lora LoRA adapter state, null when the engine reports none
 * @param cacheBlockSize tokens per KV block, -1 if absent
 * @param numGpuBlocks KV blocks on the GPU, -1 if absent
 * @param missingMetrics metrics the engine's page did not have
 * @param engineSampledAtMillis when the engine sample was scraped, 0 if never
 * @param gpus readings of this endpoint's GPUs, in the endpoint's order; empty if unknown
 * @param gpuSampledAtMillis when the GPUs were read, 0 if never
 * @param healthy the last scrape succeeded and no GPU of the endpoint is lost
 * @param gpuLost one of the endpoint's GPUs is lost (drain it)
 * @param lastError the latest problem (scrape failure, unknown engine), null if none
 */
public record LoadVector(
    EndpointId endpoint,
    String engine,
    double waitingRequests,
    double runningRequests,
    double kvCacheUsage,
    LoraInfo lora,
    long cacheBlockSize,
    long numGpuBlocks,
    List<String> missingMetrics,
    long engineSampledAtMillis,
    List<GpuSample> gpus,
    long gpuSampledAtMillis,
    boolean healthy,
    boolean gpuLost,
    String lastError) {

  public LoadVector {
    Objects.requireNonNull(endpoint, "endpoint");
    checkCount("waitingRequests", waitingRequests);
    checkCount("runningRequests", runningRequests);
    if (!Double.isNaN(kvCacheUsage) && !(kvCacheUsage >= 0 && kvCacheUsage <= 1)) {
      throw new IllegalArgumentException("kvCacheUsage: " + kvCacheUsage + " (expected: [0, 1] or NaN)");
    }
    if (cacheBlockSize < -1 || cacheBlockSize == 0) {
      throw new IllegalArgumentException("cacheBlockSize: " + cacheBlockSize + " (expected: > 0 or -1)");
    }
    if (numGpuBlocks < -1 || numGpuBlocks == 0) {
      throw new IllegalArgumentException("numGpuBlocks: " + numGpuBlocks + " (expected: > 0 or -1)");
    }
    missingMetrics = List.copyOf(missingMetrics);
    gpus = List.copyOf(gpus);
    if (engineSampledAtMillis < 0 || gpuSampledAtMillis < 0) {
      throw new IllegalArgumentException("sampled-at times must be >= 0");
    }
  }

  private static void checkCount(String field, double v) {
    if (!Double.isNaN(v) && !(v >= 0 && v < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: finite, >= 0, or NaN)");
    }
  }

  /** A vector with nothing measured yet. */
  public static LoadVector unknown(EndpointId endpoint, String engine) {
    return new LoadVector(endpoint, engine, Double.NaN, Double.NaN, Double.NaN, null, -1, -1,
        List.of(), 0, List.of(), 0, false, false, null);
  }

  /** This vector with the engine fields of {@code sample}, scraped at {@code atMillis}. */
  public LoadVector withEngineSample(EngineSample sample, long atMillis) {
    return new LoadVector(endpoint, sample.engine(),
        sample.waitingRequests().orElse(Double.NaN),
        sample.runningRequests().orElse(Double.NaN),
        sample.kvCacheUsage().orElse(Double.NaN),
        sample.lora().orElse(null),
        sample.cacheBlockSize().orElse(-1),
        sample.numGpuBlocks().orElse(-1),
        sample.missing(), atMillis, gpus, gpuSampledAtMillis, healthy, gpuLost, lastError);
  }

  public LoadVector withEndpoint(EndpointId newEndpoint) {
    return new LoadVector(newEndpoint, engine, waitingRequests, runningRequests, kvCacheUsage, lora,
        cacheBlockSize, numGpuBlocks, missingMetrics, engineSampledAtMillis, gpus,
        gpuSampledAtMillis, healthy, gpuLost, lastError);
  }

  public LoadVector withEngine(String newEngine) {
    return new LoadVector(endpoint, newEngine, waitingRequests, runningRequests, kvCacheUsage, lora,
        cacheBlockSize, numGpuBlocks, missingMetrics, engineSampledAtMillis, gpus,
        gpuSampledAtMillis, healthy, gpuLost, lastError);
  }

  public LoadVector withGpus(List<GpuSample> newGpus, long atMillis) {
    return new LoadVector(endpoint, engine, waitingRequests, runningRequests, kvCacheUsage, lora,
        cacheBlockSize, numGpuBlocks, missingMetrics, engineSampledAtMillis, newGpus, atMillis,
        healthy, gpuLost, lastError);
  }

  public LoadVector withHealth(boolean newHealthy, boolean newGpuLost, String newLastError) {
    return new LoadVector(endpoint, engine, waitingRequests, runningRequests, kvCacheUsage, lora,
        cacheBlockSize, numGpuBlocks, missingMetrics, engineSampledAtMillis, gpus,
        gpuSampledAtMillis, newHealthy, newGpuLost, newLastError);
  }

  public boolean hasWaitingRequests() {
    return !Double.isNaN(waitingRequests);
  }

  public boolean hasKvCacheUsage() {
    return !Double.isNaN(kvCacheUsage);
  }
}
