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
  private RequestOptions options = RequestOptions.DEFAULT;

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
  ExtProcLimits limits() {
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

  /** Sets how requests are treated beyond routing them. Set before serving. */
  public ExtProcContext options(RequestOptions options) {
    this.options = Objects.requireNonNull(options, "options");
    return this;
  }

  public RequestOptions options() {
    return options;
  }

  /** Admission, the gate and scheduling. */
  public RequestRouter router() {
    return router;
  }
}
