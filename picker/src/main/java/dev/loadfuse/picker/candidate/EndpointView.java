package dev.loadfuse.picker.candidate;

import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.sidecar.api.EndpointId;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One candidate endpoint as every plugin sees it during one scheduling cycle: an immutable
 * snapshot of the endpoint's latest load vector and the picker's own counters, built once per
 * cycle by the {@link StalenessPolicy}, so that filters, scorers, pickers and saturation detectors
 * all read the same numbers and the same verdict on freshness. A plugin cannot change an endpoint
 * through its view; only the routing stage counts a request against the endpoint it picked.
 *
 * <p><b>Absent data.</b> Engine numbers are {@code NaN} (LoRA state {@code null}) when the vector
 * lacks them, when no vector arrived yet, or when the engine sample is older than the staleness
 * threshold; GPU readings are empty when there are none or they are older than the threshold. While
 * the picker fails open (every candidate's engine sample is stale) the views carry the last known
 * values instead, and count as fresh.
 *
 * @param id the endpoint's identity
 * @param hostPort {@code ip:port} (IPv6 in brackets): Envoy's destination value
 * @param labels the pod's labels (local mode: the endpoints file's); empty when unknown
 * @param waitingRequests the engine's waiting count, NaN when absent or stale
 * @param runningRequests the engine's running count, NaN when absent or stale
 * @param kvCacheUsage KV-cache usage in [0, 1], NaN when absent or stale
 * @param lora the engine's LoRA adapter state, null when absent or stale
 * @param cacheBlockSize tokens per KV block, -1 when unknown (not subject to staleness: a setting)
 * @param numGpuBlocks KV blocks on the GPU, -1 when unknown (a setting too)
 * @param queueDepth the waiting count plus the picker's picks since the vector arrived that are
 *     still in flight; the picker's in-flight count for the endpoint when the waiting count is
 *     absent or stale
 * @param runningDepth the running count plus those picks; the in-flight count when absent or stale
 * @param gpus readings of the endpoint's GPUs, empty when none or stale
 * @param gpuLost the sidecar reports one of the endpoint's GPUs lost (whatever the readings' age)
 * @param engineFresh the engine numbers above are the vector's (an engine sample exists and is
 *     fresh, or the picker fails open)
 * @param gpuFresh GPU readings exist and are fresh (or the picker fails open)
 * @param engineAgeMillis how old the engine sample was when the cycle began (may be negative with
 *     clock skew between nodes); {@link Long#MAX_VALUE} when there is none. A plugin with a stricter
 *     threshold of its own (the {@code utilization-detector}'s 200 ms) applies it to this age
 * @param inFlight requests the picker sent here that have not finished
 * @param inFlightTokens their estimated prompt tokens
 * @param healthy the sidecar's last scrape succeeded and no GPU is lost (false before any vector)
 */
public record EndpointView(
    EndpointId id,
    String hostPort,
    Map<String, String> labels,
    double waitingRequests,
    double runningRequests,
    double kvCacheUsage,
    LoraInfo lora,
    long cacheBlockSize,
    long numGpuBlocks,
    double queueDepth,
    double runningDepth,
    List<GpuSample> gpus,
    boolean gpuLost,
    boolean engineFresh,
    boolean gpuFresh,
    long engineAgeMillis,
    int inFlight,
    long inFlightTokens,
    boolean healthy) {

  public EndpointView {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(hostPort, "hostPort");
    Objects.requireNonNull(labels, "labels");
    Objects.requireNonNull(gpus, "gpus");
    if (inFlight < 0 || inFlightTokens < 0) {
      throw new IllegalArgumentException("inFlight: " + inFlight + ", inFlightTokens: " + inFlightTokens
          + " (expected: >= 0)");
    }
  }

  @Override
  public String toString() {
    return id.name() + "@" + hostPort;
  }
}
