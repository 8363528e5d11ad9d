package dev.loadfuse.picker.extproc;

import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.admission.FailOpen;
import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.candidate.StalenessPolicy;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.request.BufferBudget;
import dev.loadfuse.picker.request.RequestRouter;
import dev.loadfuse.picker.routing.RoutingTable;
import dev.loadfuse.picker.scheduling.Scheduler;
import dev.loadfuse.picker.tracing.Tracing;
import java.time.InstantSource;
import java.util.Objects;

/**
 * What every ext_proc stream shares: the request path's shared stages and settings. Immutable and
 * thread-safe.
 */
public final class ExtProcContext {

  public static final int DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

  private final Scheduler scheduler;
  private final RoutingTable routing;
  private final PickerMetrics metrics;
  private final int maxBodyBytes;
  private final RequestRouter router;
  private final ExtProcLimits limits;
  private final BufferBudget budget;
  private final OpenStreams openStreams;
  private boolean parseBodies = true;
  private Tracing tracing = Tracing.OFF;
  private boolean subsetHints = true;
  private long maxSendBytes = Long.MAX_VALUE;
  private StreamMetrics streamMetrics = StreamMetrics.NONE;

  /**
   * A context on the system clock whose requests go straight from admission to scheduling.
   *
   * @param datastore endpoints and their load
   * @param scheduler the scheduler built from the EndpointPickerConfig
   * @param routing model rewrites and objective priorities in force (replaced on change); null for none
   * @param metrics where requests are counted
   * @param saturation decides when sheddable requests are refused (the config's detector)
   * @param failOpen counts and logs decisions made while every endpoint's metrics are stale; null
   *     for one that only counts
   * @param maxBodyBytes request bodies larger than this are refused with 413
   * @param staleAfterMillis engine samples and GPU readings older than this count as absent
   */
  public ExtProcContext(Datastore datastore, Scheduler scheduler, RoutingTable routing, PickerMetrics metrics,
      SaturationDetector saturation, FailOpen failOpen, int maxBodyBytes, long staleAfterMillis) {
    this(datastore, scheduler, routing, metrics, saturation, failOpen, maxBodyBytes, staleAfterMillis,
        AdmissionGate.IMMEDIATE, InstantSource.system());
  }

  /**
   * As above, with the waiting place between admission and scheduling, and the clock decisions
   * read (wall-clock, like the vectors' sample times).
   */
  public ExtProcContext(Datastore datastore, Scheduler scheduler, RoutingTable routing, PickerMetrics metrics,
      SaturationDetector saturation, FailOpen failOpen, int maxBodyBytes, long staleAfterMillis, AdmissionGate gate,
      InstantSource clock) {
    this(datastore, scheduler, routing, metrics, saturation, failOpen, maxBodyBytes, staleAfterMillis, gate, clock,
        new ExtProcLimits());
  }

  /** As above, with the ext_proc port's limits (a copy is kept). */
  public ExtProcContext(Datastore datastore, Scheduler scheduler, RoutingTable routing, PickerMetrics metrics,
      SaturationDetector saturation, FailOpen failOpen, int maxBodyBytes, long staleAfterMillis, AdmissionGate gate,
      InstantSource clock, ExtProcLimits limits) {
    this.limits = new ExtProcLimits(limits);
    this.budget = new BufferBudget(limits.getMaxBufferedBytes(), "--max-buffered-bytes");
    this.openStreams = new OpenStreams(limits.getMaxOpenStreams());
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.routing = routing == null ? new RoutingTable(null) : routing;
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: >= 1)");
    }
    this.maxBodyBytes = maxBodyBytes;
    this.router = new RequestRouter(datastore, new StalenessPolicy(staleAfterMillis), scheduler, saturation,
        failOpen == null ? new FailOpen(null) : failOpen, gate, metrics, clock);
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  public RoutingTable routing() {
    return routing;
  }

  public PickerMetrics metrics() {
    return metrics;
  }

  /** Request bodies larger than this are refused with 413; response bodies larger pass unread. */
  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  /** The ext_proc port's limits. */
  public ExtProcLimits limits() {
    return new ExtProcLimits(limits);
  }

  ExtProcLimits limitsInForce() {
    return limits;
  }

  /** The bytes of bodies buffered across streams ({@code --max-buffered-bytes}). */
  public BufferBudget budget() {
    return budget;
  }

  /** The streams open across connections ({@code --max-open-streams}). */
  public OpenStreams openStreams() {
    return openStreams;
  }

  /**
   * False when the config's only parser is {@code passthrough-parser}: bodies are forwarded unread
   * (no model rewrite, no prompt). Set before serving.
   */
  public ExtProcContext parseBodies(boolean parse) {
    this.parseBodies = parse;
    return this;
  }

  public boolean parseBodies() {
    return parseBodies;
  }

  /** Traces requests with {@code tracing} ({@link Tracing#OFF} by default). Set before serving. */
  public ExtProcContext tracing(Tracing tracing) {
    this.tracing = Objects.requireNonNull(tracing, "tracing");
    return this;
  }

  public Tracing tracing() {
    return tracing;
  }

  /**
   * False with {@code --disable-endpoint-subset-filter}: Envoy's subset hint is ignored and every
   * endpoint is a candidate. Set before serving.
   */
  public ExtProcContext subsetHints(boolean honour) {
    this.subsetHints = honour;
    return this;
  }

  public boolean subsetHints() {
    return subsetHints;
  }

  /** With {@code --emit-endpoint-scores}: the routing answer carries the candidates' scores. Set before serving. */
  public ExtProcContext emitEndpointScores(boolean emit) {
    router.emitEndpointScores(emit);
    return this;
  }

  /**
   * The largest message sent to Envoy ({@code --grpc-max-send-msg-size}); a larger one ends the
   * stream with {@code RESOURCE_EXHAUSTED}, as gRPC does. Set before serving.
   */
  public ExtProcContext maxSendBytes(long bytes) {
    this.maxSendBytes = Math.max(1, bytes);
    return this;
  }

  public long maxSendBytes() {
    return maxSendBytes;
  }

  /** The ext_proc stream metrics ({@code --enable-grpc-stream-metrics}; {@link StreamMetrics#NONE} by default). */
  public ExtProcContext streamMetrics(StreamMetrics metrics) {
    this.streamMetrics = Objects.requireNonNull(metrics, "metrics");
    return this;
  }

  StreamMetrics streamMetrics() {
    return streamMetrics;
  }

  /** Admission, the gate and scheduling. */
  public RequestRouter router() {
    return router;
  }
}
