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
 * #engineAgeMillis(long)}). Views compare by identity; only the policy builds them.
 */
public final class EndpointView {

  private final EndpointId id;
  private final String hostPort;
  private final Map<String, String> labels;
  private final double waitingRequests;
  private final double runningRequests;
  private final double kvCacheUsage;
  private final LoraInfo lora;
  private final long cacheBlockSize;
  private final long numGpuBlocks;
  private final double queueDepth;
  private final double runningDepth;
  private final List<GpuSample> gpus;
  private final boolean gpuLost;
  private final boolean engineFresh;
  private final boolean gpuFresh;
  private final long engineSampledAtMillis;
  private final int inFlight;
  private final long inFlightTokens;
  private final boolean healthy;
  // When the view holds: the endpoint's version it was built at, the threshold it was judged with,
  // and the clock readings between which its two verdicts stay as they are.
  final int version;
  final long staleAfterMillis;
  final long validFromMillis;
  final long validUntilMillis;

  /**
   * Built by the policy from {@code source} (null before the first vector), the endpoint's labels
   * and counters read after its {@code version}, and the two freshness verdicts (judged with {@code
   * staleAfterMillis}, and unchanged for clock readings in {@code [validFromMillis,
   * validUntilMillis]}).
   */
  EndpointView(EndpointId id, String hostPort, int version, Map<String, String> labels, LoadVector source,
      boolean engineFresh, boolean gpuFresh, long staleAfterMillis, long validFromMillis, long validUntilMillis,
      int inFlight, int unreflected, long inFlightTokens) {
    this.id = id;
    this.hostPort = hostPort;
    this.version = version;
    this.staleAfterMillis = staleAfterMillis;
    this.validFromMillis = validFromMillis;
    this.validUntilMillis = validUntilMillis;
    this.labels = labels;
    this.engineFresh = engineFresh;
    this.gpuFresh = gpuFresh;
    this.inFlight = inFlight;
    this.inFlightTokens = inFlightTokens;
    boolean engine = source != null && engineFresh;
    this.waitingRequests = engine ? source.waitingRequests() : Double.NaN;
    this.runningRequests = engine ? source.runningRequests() : Double.NaN;
    this.kvCacheUsage = engine ? source.kvCacheUsage() : Double.NaN;
    this.lora = engine ? source.lora() : null;
    this.cacheBlockSize = source == null ? -1 : source.cacheBlockSize();
    this.numGpuBlocks = source == null ? -1 : source.numGpuBlocks();
    this.queueDepth = Double.isNaN(waitingRequests) ? inFlight : waitingRequests + unreflected;
    this.runningDepth = Double.isNaN(runningRequests) ? inFlight : runningRequests + unreflected;
    this.gpus = source != null && gpuFresh ? source.gpus() : List.of();
    this.gpuLost = source != null && source.gpuLost();
    this.engineSampledAtMillis = source == null ? 0 : source.engineSampledAtMillis();
    this.healthy = source != null && source.healthy();
  }

  /** The endpoint's identity. */
  public EndpointId id() {
    return id;
  }

  /** {@code ip:port} (IPv6 in brackets): Envoy's destination value. */
  public String hostPort() {
    return hostPort;
  }

  /** The pod's labels (local mode: the endpoints file's); empty when unknown. */
  public Map<String, String> labels() {
    return labels;
  }

  /** The engine's waiting count; NaN when absent or stale. */
  public double waitingRequests() {
    return waitingRequests;
  }

  /** The engine's running count; NaN when absent or stale. */
  public double runningRequests() {
    return runningRequests;
  }

  /** KV-cache usage in [0, 1]; NaN when absent or stale. */
  public double kvCacheUsage() {
    return kvCacheUsage;
  }

  /** The engine's LoRA adapter state; null when absent or stale. */
  public LoraInfo lora() {
    return lora;
  }

  /** Tokens per KV block, -1 when unknown (a setting of the engine: not subject to staleness). */
  public long cacheBlockSize() {
    return cacheBlockSize;
  }

  /** KV blocks on the GPU, -1 when unknown (a setting too). */
  public long numGpuBlocks() {
    return numGpuBlocks;
  }

  /**
   * The waiting count plus the picker's picks since the vector arrived that are still in flight;
   * the picker's in-flight count for the endpoint when the waiting count is absent or stale.
   */
  public double queueDepth() {
    return queueDepth;
  }

  /** The running count plus those picks; the in-flight count when absent or stale. */
  public double runningDepth() {
    return runningDepth;
  }

  /** Readings of the endpoint's GPUs, in its order; empty when none or stale. */
  public List<GpuSample> gpus() {
    return gpus;
  }

  /** The sidecar reports one of the endpoint's GPUs lost (whatever the readings' age). */
  public boolean gpuLost() {
    return gpuLost;
  }

  /** The engine numbers are the vector's: an engine sample exists and is fresh, or the picker fails open. */
  public boolean engineFresh() {
    return engineFresh;
  }

  /** GPU readings exist and are fresh (or the picker fails open). */
  public boolean gpuFresh() {
    return gpuFresh;
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

  /** Requests the picker sent here that have not finished. */
  public int inFlight() {
    return inFlight;
  }

  /** Their estimated prompt tokens. */
  public long inFlightTokens() {
    return inFlightTokens;
  }

  /** The sidecar's last scrape succeeded and no GPU is lost; false before any vector. */
  public boolean healthy() {
    return healthy;
  }

  @Override
  public String toString() {
    return id.name() + "@" + hostPort;
  }
}
