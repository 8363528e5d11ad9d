package dev.loadfuse.picker.request;

import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.datastore.InFlight;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.openai.Usage;
import dev.loadfuse.picker.scheduling.Scheduler;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import java.util.List;

/**
 * A routed request: where it goes, and what follows from it until its response ends. The request
 * is counted in flight against its primary endpoint (and in the model's running gauge) from the
 * pick until {@link #release()}, which the request path calls exactly when the response ends, the
 * stream ends or breaks (later calls do nothing).
 *
 * <p>Confined to the request's stream (one thread).
 */
public final class Routed {

  private final ParsedRequest request;
  private final String destination;
  private final SchedulingCycle cycle;
  private final SchedulingResult result;
  private final Scheduler scheduler;
  private final InFlight inFlight;
  private final AdmissionGate gate;
  private final PickerMetrics metrics;
  private final PickerMetrics.Meters meters;
  private boolean afterAnswerDone;

  Routed(ParsedRequest request, String destination, SchedulingCycle cycle, SchedulingResult result,
      Scheduler scheduler, InFlight inFlight, PickerMetrics metrics, PickerMetrics.Meters meters, AdmissionGate gate) {
    this.request = request;
    this.destination = destination;
    this.cycle = cycle;
    this.result = result;
    this.scheduler = scheduler;
    this.inFlight = inFlight;
    this.gate = gate;
    this.metrics = metrics;
    this.meters = meters;
  }

  public ParsedRequest request() {
    return request;
  }

  /**
   * Envoy's {@code x-gateway-destination-endpoint} value: the primary's {@code ip:port}, then the
   * fallbacks', comma-joined (IPv6 in brackets).
   */
  public String destination() {
    return destination;
  }

  /** The primary profile's scored candidates' scores. */
  public dev.loadfuse.picker.scheduling.Scores scores() {
    return result.primary().scores();
  }

  /**
   * The headers the scheduler's {@code ResponseHeader} plugins set on the response, given the Envoy
   * metadata that came with the response headers; empty (and {@code envoyMetadata} never called)
   * when no plugin reads them.
   */
  public java.util.Map<String, String> responseHeaders(
      java.util.function.Supplier<java.util.Map<String, java.util.Map<String, Object>>> envoyMetadata) {
    if (scheduler == null || !scheduler.readsResponseHeaders()) {
      return java.util.Map.of();
    }
    java.util.Map<String, String> set = new java.util.LinkedHashMap<>();
    scheduler.responseHeader(cycle, result, envoyMetadata.get(), set::put);
    return set;
  }

  /** The chosen endpoints, primary first. */
  public List<EndpointView> targets() {
    return result.primary().targets();
  }

  /**
   * Runs the scheduler's {@code PreRequest} plugins (e.g. the prefix index learning where the
   * prompt went), once Envoy has its answer; at most once.
   */
  public void afterAnswer() {
    if (!afterAnswerDone) {
      afterAnswerDone = true;
      if (scheduler != null) {
        scheduler.preRequest(cycle, result);
      }
    }
  }

  /**
   * Records the finished response: its duration since the request began, its token usage, and a
   * {@code ModelServerError} when its {@code :status} (0 when none came) is not 200; then runs the
   * scheduler's {@code ResponseComplete} plugins.
   */
  public void recordResponse(long durationNanos, Usage usage, int status) {
    if (status != 0 && status != 200) {
      metrics.error(request.model(), request.targetModel(), cycle.request().fairnessId(),
          Integer.toString(cycle.request().priority()), PickerMetrics.MODEL_SERVER_ERROR);
    }
    if (meters != null) {
      meters.response(durationNanos, usage.promptTokens(), usage.completionTokens(), usage.cachedTokens());
    }
    if (scheduler != null) {
      scheduler.responseComplete(cycle, result, status, usage.promptTokens(), usage.completionTokens());
    }
  }

  /** Stops counting the request in flight; later calls do nothing. */
  public void release() {
    if (!inFlight.released()) {
      inFlight.release();
      if (meters != null) {
        meters.finished();
      }
      gate.released();
    }
  }

  public boolean released() {
    return inFlight.released();
  }
}
