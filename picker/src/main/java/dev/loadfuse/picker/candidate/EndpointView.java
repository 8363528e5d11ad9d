package dev.loadfuse.picker.candidate;

import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.List;
import java.util.Map;

/**
 * One candidate endpoint as every plugin sees it during a scheduling cycle: an immutable snapshot
 * of the endpoint's latest load vector and of the picker's own counters, built by the {@link
 * StalenessPolicy} for the cycle, so that filters, scorers, pickers and saturation detectors all
 * read the same numbers and the same verdict on freshness. A plugin cannot change an endpoint
 * through its view; only the routing stage counts a picked request against its endpoint.
 *
 * <p><b>Absent data.</b> Engine numbers are {@code NaN} (LoRA state {@code null}) when the vector
 * lacks them, when no vector arrived yet, or when the engine sample is older than the staleness
 * threshold; GPU readings are empty when there are none or they are older than the threshold. While
 * the picker fails open (no candidate has a fresh engine sample) the views carry the last known
 * values instead, and count as fresh.
 *
 * <p><b>Reuse.</b> A view shows nothing that depends on the cycle's clock beyond the two freshness
 * verdicts, so the policy hands the same view to every cycle while the endpoint's vector, labels,
 * counters and verdicts stay the same (the sample's age is computed from the cycle's time: {@link
 * #engineAgeMillis(long)}). Views compare by identity; only the policy builds them ({@link #of}).
 *
 * @param id the endpoint's identity
 * @param hostPort {@code ip:port} (IPv6 in brackets): Envoy's destination value
 * @param labels the pod's labels (local mode: the endpoints file's); empty when unknown
 * @param waitingRequests the engine's waiting count; NaN when absent or stale
 * @param runningRequests the engine's running count; NaN when absent or stale
 * @param kvCacheUsage KV-cache usage in [0, 1]; NaN when absent or stale
 * @param lora the engine's LoRA adapter state; null when absent or stale
 * @param cacheBlockSize tokens per KV block, -1 when unknown (a setting of the engine: not subject to
 *     staleness)
 * @param numGpuBlocks KV blocks on the GPU, -1 when unknown (a setting too)
 * @param queueDepth the waiting count plus the picker's picks since the vector arrived that are still
 *     in flight; the picker's in-flight count for the endpoint when the waiting count is absent or
 *     stale
 * @param runningDepth the running count plus those picks; the in-flight count when absent or stale
 * @param gpus readings of the endpoint's GPUs, in its order; empty when none or stale
 * @param gpuLost the sidecar reports one of the endpoint's GPUs lost (whatever the readings' age)
 * @param engineFresh the engine numbers are the vector's: an engine sample exists and is fresh, or the
 *     picker fails open
 * @param gpuFresh GPU readings exist and are fresh (or the picker fails open)
 * @param engineSampledAtMillis when the engine sample was taken (wall clock); 0 when there is none
 * @param inFlight requests the picker sent here that have not finished
 * @param inFlightTokens their estimated prompt tokens
 * @param healthy the sidecar's last scrape succeeded and no GPU is lost; false before any vector
 * @param validity while the view holds (the policy's business)
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
    long engineSampledAtMillis,
    int inFlight,
    long inFlightTokens,
    boolean healthy,
    Validity validity) {

  /**
   * When a view holds: the endpoint's version it was built at, the threshold it was judged with, and
   * the clock readings between which its two verdicts stay as they are.
   */
  record Validity(int version, long staleAfterMillis, long validFromMillis, long validUntilMillis) {}

  /**
   * Built by the policy from {@code source} (null before the first vector), the endpoint's labels
   * and counters read after its version, and the two freshness verdicts (unchanged for clock
   * readings in the validity's range).
   */
  static EndpointView of(EndpointId id, String hostPort, Map<String, String> labels, LoadVector source,
      boolean engineFresh, boolean gpuFresh, Validity validity, int inFlight, int unreflected, long inFlightTokens) {
    boolean engine = source != null && engineFresh;
    double waiting = engine ? source.waitingRequests() : Double.NaN;
    double running = engine ? source.runningRequests() : Double.NaN;
    return new EndpointView(id, hostPort, labels, waiting, running,
        engine ? source.kvCacheUsage() : Double.NaN,
        engine ? source.lora() : null,
        source == null ? -1 : source.cacheBlockSize(),
        source == null ? -1 : source.numGpuBlocks(),
        Double.isNaN(waiting) ? inFlight : waiting + unreflected,
        Double.isNaN(running) ? inFlight : running + unreflected,
        source != null && gpuFresh ? source.gpus() : List.of(),
        source != null && source.gpuLost(), engineFresh, gpuFresh,
        source == null ? 0 : source.engineSampledAtMillis(), inFlight, inFlightTokens,
        source != null && source.healthy(), validity);
  }

  /**
   * How old the engine sample is at {@code nowMillis} (the cycle's time; may be negative with clock
   * skew between nodes); {@link Long#MAX_VALUE} when there is none. A plugin with a stricter
   * threshold of its own (the {@code utilization-detector}'s 200 ms) applies it to this age.
   */
  public long engineAgeMillis(long nowMillis) {
    return engineSampledAtMillis > 0 ? nowMillis - engineSampledAtMillis : Long.MAX_VALUE;
  }

  /** True when an engine sample was ever received, however old. */
  public boolean everMeasured() {
    return engineSampledAtMillis > 0;
  }

  /** Views compare by identity: the policy reuses one while it holds. */
  @Override
  public boolean equals(Object other) {
    return this == other;
  }

  @Override
  public int hashCode() {
    return System.identityHashCode(this);
  }

  @Override
  public String toString() {
    return id.name() + "@" + hostPort;
  }
}
