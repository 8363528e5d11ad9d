package dev.loadfuse.picker.request;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.admission.FailOpen;
import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.candidate.Candidates;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.candidate.StalenessPolicy;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.datastore.InFlight;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.scheduling.ProfileResult;
import dev.loadfuse.picker.scheduling.Scheduler;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import dev.loadfuse.picker.tracing.RequestTrace;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The second stage of the request path: a {@link ParsedRequest} in, a {@link Routed} request (or a
 * refusal) out, through admission, the {@link AdmissionGate} and scheduling.
 *
 * <ol>
 *   <li>Candidates: the endpoints of the subset hint when Envoy sent one (503 when it is empty or
 *       names no available endpoint), else every routable endpoint (none: 500 for a header-only
 *       request, 503 otherwise).
 *   <li>Their views, built once by the {@link StalenessPolicy} at the clock's time; when every
 *       candidate is stale the picker fails open ({@link FailOpen} counts and logs it).
 *   <li>Admission: a sheddable request (priority &lt; 0) is refused with 429 while the saturation
 *       detector finds the pool saturated.
 *   <li>The gate: the admitted request waits there until dispatched ({@link AdmissionGate#IMMEDIATE}:
 *       not at all).
 *   <li>Scheduling over the views; the primary endpoint counts the request in flight, the model's
 *       meters count it, and the destination is joined.
 * </ol>
 *
 * <p>Thread-safe: one router serves every stream; each call runs on the calling stream's thread.
 */
public final class RequestRouter {

  /** Where a request's routing ends: exactly one of the two, now or later, on the request's thread. */
  public interface Outcome {

    void routed(Routed routed);

    /** A {@link PickerException}, or an unexpected failure of the picker itself. */
    void refused(RuntimeException reason);
  }

  private final Datastore datastore;
  private final StalenessPolicy staleness;
  private final Scheduler scheduler;
  private final SaturationDetector saturation;
  private final FailOpen failOpen;
  private final AdmissionGate gate;
  private final PickerMetrics metrics;
  private final InstantSource clock;

  public RequestRouter(Datastore datastore, StalenessPolicy staleness, Scheduler scheduler, SaturationDetector saturation,
      FailOpen failOpen, AdmissionGate gate, PickerMetrics metrics, InstantSource clock) {
    this.datastore = Objects.requireNonNull(datastore, "datastore");
    this.staleness = Objects.requireNonNull(staleness, "staleness");
    this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
    this.saturation = Objects.requireNonNull(saturation, "saturation");
    this.failOpen = Objects.requireNonNull(failOpen, "failOpen");
    this.gate = Objects.requireNonNull(gate, "gate");
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * Admits {@code request} and passes it through the gate; {@code outcome} hears of the decision,
   * possibly before this returns.
   *
   * @return how to cancel the wait at the gate if the client goes away
   * @throws PickerException when the request is refused at admission
   */
  public AdmissionGate.Wait route(ParsedRequest request, Outcome outcome) {
    return route(request, RequestTrace.NONE, outcome);
  }

  /** As {@link #route(ParsedRequest, Outcome)}, reporting admission and scheduling to {@code trace}. */
  public AdmissionGate.Wait route(ParsedRequest request, RequestTrace trace, Outcome outcome) {
    if (!request.rewriteRule().isEmpty()) {
      metrics.modelRewrite(request.rewriteRule(), request.model(), request.targetModel());
    }
    if (request.headerOnly()) {
      outcome.routed(headerOnly(request, trace));
      return AdmissionGate.Wait.NONE;
    }
    trace.admissionStarted(request.schedulingRequest());
    if (gate != AdmissionGate.IMMEDIATE) {
      // Flow control decides instead of the shedding check, and the candidates are those of the
      // moment the request leaves the gate (the reference's order: admission, then candidates).
      return gate.enter(new Admitted(request, trace, outcome));
    }
    Admitted a = admit(request, trace, outcome);
    SchedulingRequest sr = a.cycle.request();
    if (sr.priority() < 0 && saturation.saturated(a.cycle, a.candidates.views(), a.candidates.count())) {
      metrics.shed(sr.model(), sr.targetModel());
      throw new PickerException(PickerException.Code.RESOURCE_EXHAUSTED,
          "request dropped: the pool is saturated and the request is sheddable (priority " + sr.priority() + ")");
    }
    return gate.enter(a);
  }

  /**
   * A request without a body (a GET): as the reference routes it, to a random endpoint without
   * admission or scheduling (the subset hint, when sent, still restricts it); counted in flight, not
   * in the model meters.
   */
  private Routed headerOnly(ParsedRequest request, RequestTrace trace) {
    EndpointState[] states = candidates(request);
    long now = clock.millis();
    Candidates candidates = staleness.views(states, states.length, now);
    SchedulingCycle cycle = new SchedulingCycle(request.schedulingRequest(), now, null);
    EndpointView target = candidates.views()[cycle.random().nextInt(candidates.count())];
    SchedulingResult result = SchedulingResult.of(new ProfileResult("header-only", List.of(target)));
    InFlight inFlight = candidates.stateOf(target).acquire(0);
    trace.routed(target.hostPort());
    return new Routed(request, target.hostPort(), cycle, result, null, inFlight, metrics, null, gate);
  }

  /** The request with its candidates' views and its scheduling cycle, at the clock's time. */
  private Admitted admit(ParsedRequest request, RequestTrace trace, Outcome outcome) {
    EndpointState[] states = candidates(request);
    long now = clock.millis();
    Candidates candidates = staleness.views(states, states.length, now);
    boolean open = failOpen.check(candidates, now, staleness.staleAfterMillis());
    SchedulingCycle cycle = new SchedulingCycle(request.schedulingRequest(), now, null, open, metrics)
        .trace(trace.decisionTrace());
    return new Admitted(request, trace, outcome).at(candidates, cycle);
  }

  private EndpointState[] candidates(ParsedRequest request) {
    if (request.subsetPresent()) {
      List<String> subset = request.subset();
      if (subset.isEmpty()) {
        throw new PickerException(PickerException.Code.SERVICE_UNAVAILABLE,
            "no endpoints in the subset hint (" + RequestAssembler.SUBSET_KEY + " is empty)");
      }
      EndpointState[] found = datastore.subset(subset);
      if (found.length == 0) {
        throw new PickerException(PickerException.Code.SERVICE_UNAVAILABLE,
            "none of the endpoints in the subset hint " + subset + " is available");
      }
      return found;
    }
    EndpointState[] routable = datastore.routable();
    if (routable.length == 0) {
      throw request.headerOnly()
          ? new PickerException(PickerException.Code.INTERNAL, "no pods available in datastore")
          : new PickerException(PickerException.Code.SERVICE_UNAVAILABLE,
              "failed to find candidate endpoints for serving the request");
    }
    return routable;
  }

  /** Schedules an admitted request; counts it against its primary endpoint. */
  private Routed schedule(Admitted a) {
    if (a.candidates == null) { // it waited at the gate: candidates as they are now
      Admitted now = admit(a.request, a.trace, a.outcome);
      a.at(now.candidates, now.cycle);
    }
    EndpointView[] views = a.candidates.views();
    a.trace.schedulingStarted(views.length, a.cycle.failOpen());
    SchedulingRequest sr = a.cycle.request();
    SchedulingResult result;
    try {
      result = scheduler.schedule(a.cycle, views, views.length);
    } catch (PickerException e) {
      metrics.schedulerAttempt(null, sr.targetModel());
      throw e;
    }
    List<EndpointView> targets = result.primary().targets();
    metrics.schedulerAttempt(targets.getFirst().id(), sr.targetModel());
    InFlight inFlight = a.candidates.stateOf(targets.getFirst()).acquire(sr.estimatedInputTokens());
    PickerMetrics.Meters meters = metrics.meters(sr.model(), sr.targetModel(), sr.fairnessId(), sr.priority());
    meters.started(sr.bodyBytes());
    String destination = destination(targets);
    a.trace.routed(destination);
    return new Routed(a.request, destination, a.cycle, result, scheduler, inFlight, metrics, meters, gate);
  }

  /** The primary's {@code ip:port}, then the fallbacks', comma-joined. */
  static String destination(List<EndpointView> targets) {
    if (targets.size() == 1) {
      return targets.getFirst().hostPort();
    }
    StringBuilder sb = new StringBuilder();
    for (EndpointView t : targets) {
      if (!sb.isEmpty()) {
        sb.append(',');
      }
      sb.append(t.hostPort());
    }
    return sb.toString();
  }

  /** A request between admission and scheduling: what the gate holds. */
  private final class Admitted implements AdmissionGate.Ticket {

    private final ParsedRequest request;
    private final RequestTrace trace;
    private final Outcome outcome;
    /** Null until scheduling when the request goes through flow control. */
    private Candidates candidates;
    private SchedulingCycle cycle;
    private boolean answered;

    Admitted(ParsedRequest request, RequestTrace trace, Outcome outcome) {
      this.request = request;
      this.trace = trace;
      this.outcome = outcome;
    }

    /** Its candidates and cycle as of now. */
    Admitted at(Candidates now, SchedulingCycle decision) {
      this.candidates = now;
      this.cycle = decision;
      return this;
    }

    @Override
    public SchedulingRequest request() {
      return cycle != null ? cycle.request() : request.schedulingRequest();
    }

    @Override
    public void dispatch() {
      if (answered) {
        return;
      }
      answered = true;
      trace.admissionEnded("dispatched");
      Routed routed;
      try {
        routed = schedule(this);
      } catch (RuntimeException e) { // a refusal, or a failure the outcome logs
        outcome.refused(e);
        return;
      }
      outcome.routed(routed);
    }

    @Override
    public void reject(PickerException reason) {
      if (!answered) {
        answered = true;
        outcome.refused(reason);
      }
    }
  }
}
