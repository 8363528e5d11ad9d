package dev.loadfuse.picker.tracing;

import dev.loadfuse.picker.scheduling.DecisionTrace;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.scheduling.TypedName;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The spans of one request through the picker:
 *
 * <pre>
 * gateway.request                      the ext_proc stream, request headers to the end of the response
 *   gateway.request_orchestration      admission to the routing answer (target_model, request_prio)
 *     loadfuse.admission               admission and the wait at the gate (flow control)
 *     loadfuse.scheduling              one scheduling decision
 *       loadfuse.filter.TYPE           each plugin's run, in order
 *       llm_d.epp.scorer.TYPE
 *       loadfuse.picker.TYPE
 * </pre>
 *
 * The first two carry the reference endpoint picker's names and attributes; the scorer spans the
 * llm-d router's. The request's trace context (W3C {@code traceparent}, {@code tracestate},
 * {@code baggage}) is passed on to the model server in the routed request's headers, with the
 * request span as the parent. A request that is not sampled still passes its context on (sampled
 * flag off) and records nothing, so the decision path does no tracing work.
 *
 * <p>Confined to the request's stream (one thread).
 */
public final class RequestTrace implements DecisionTrace {

  /** Tracing off: every method does nothing. */
  public static final RequestTrace NONE = new RequestTrace(null, null, Span.getInvalid());


  private static final TextMapGetter<Map<String, String>> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Map<String, String> carrier) {
      return carrier.keySet();
    }

    @Override
    public String get(Map<String, String> carrier, String key) {
      return carrier == null ? null : carrier.get(key.toLowerCase(Locale.ROOT));
    }
  };

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final Span request;
  private final Context context; // the request span's
  private final boolean recording;
  private Span orchestration;
  private Span admission;
  private Span scheduling;
  private boolean ended;

  private RequestTrace(Tracer tracer, TextMapPropagator propagator, Span request) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.request = request;
    this.context = Context.root().with(request);
    this.recording = request.isRecording();
  }

  static RequestTrace start(Tracer tracer, TextMapPropagator propagator, Map<String, String> headers) {
    Context parent = propagator.extract(Context.root(), headers, HEADERS);
    Span span = tracer.spanBuilder("gateway.request").setParent(parent).setSpanKind(SpanKind.SERVER).startSpan();
    return new RequestTrace(tracer, propagator, span);
  }

  /** True when this request's spans are recorded (tracing on and the request sampled). */
  public boolean recording() {
    return recording;
  }

  /** The decision trace for the request's scheduling cycle: null when nothing is recorded. */
  public DecisionTrace decisionTrace() {
    return recording ? this : null;
  }

  /** The request is parsed and enters admission. */
  public void admissionStarted(SchedulingRequest r) {
    if (!recording || orchestration != null) {
      return;
    }
    orchestration = child("gateway.request_orchestration", context)
        .setAttribute("target_model", r.targetModel())
        .setAttribute("request_prio", r.priority())
        .setAttribute("loadfuse.model", r.model())
        .setAttribute("loadfuse.fairness_id", r.fairnessId());
    admission = child("loadfuse.admission", context.with(orchestration));
  }

  /** Admission ended: {@code dispatched}, or the refusal's error code. */
  public void admissionEnded(String outcome) {
    if (admission != null) {
      admission.setAttribute("loadfuse.outcome", outcome).end();
      admission = null;
    }
  }

  /** A scheduling decision starts over {@code candidates} endpoints. */
  public void schedulingStarted(int candidates, boolean failOpen) {
    if (recording && orchestration != null) {
      scheduling = child("loadfuse.scheduling", context.with(orchestration))
          .setAttribute("loadfuse.candidate_endpoints", candidates)
          .setAttribute("loadfuse.fail_open", failOpen);
    }
  }

  /** The request is routed to {@code destination}. */
  public void routed(String destination) {
    if (scheduling != null) {
      scheduling.setAttribute("loadfuse.destination_endpoint", destination).end();
      scheduling = null;
    }
    if (orchestration != null) {
      orchestration.setAttribute("loadfuse.destination_endpoint", destination).end();
      orchestration = null;
    }
  }

  @Override
  public Step step(String extensionPoint, TypedName plugin, int candidates) {
    String prefix = switch (extensionPoint) {
      case "Scorer" -> "llm_d.epp.scorer.";
      case "Filter" -> "loadfuse.filter.";
      case "Picker" -> "loadfuse.picker.";
      default -> "loadfuse." + extensionPoint.toLowerCase(Locale.ROOT) + ".";
    };
    Span span = child(prefix + plugin.type(), context.with(scheduling != null ? scheduling : request))
        .setAttribute("loadfuse.plugin.type", plugin.type())
        .setAttribute("loadfuse.plugin.name", plugin.name())
        .setAttribute("loadfuse.candidate_endpoints", candidates);
    return result -> span.setAttribute("loadfuse.plugin.result_endpoints", result).end();
  }

  /**
   * Passes the request's trace context on: each header ({@code traceparent}, and {@code tracestate}
   * and {@code baggage} when present) to {@code header}. Nothing when tracing is off.
   */
  public void inject(BiConsumer<String, String> header) {
    if (tracer != null && request.getSpanContext().isValid()) {
      propagator.inject(context, header, (h, k, v) -> h.accept(k, v));
    }
  }

  /** The response ended with HTTP {@code status} (0 when none came). */
  public void responseEnded(int status) {
    if (!ended && recording && status != 0) {
      request.setAttribute("http.response.status_code", status);
      if (status >= 500) {
        request.setStatus(StatusCode.ERROR);
      }
    }
    end();
  }

  /** The request was refused or failed with {@code code} (the error metric's label). */
  public void failed(String code, String message) {
    if (!ended && recording) {
      for (Span open : new Span[] {scheduling, admission, orchestration}) {
        if (open != null) {
          open.setStatus(StatusCode.ERROR, message);
        }
      }
      request.setAttribute("loadfuse.error_code", code).setStatus(StatusCode.ERROR, message);
    }
    admissionEnded(code);
    end();
  }

  /** Ends what is still open (a client that went away ends its request here). */
  public void end() {
    if (ended) {
      return;
    }
    ended = true;
    if (!recording) {
      return;
    }
    if (scheduling != null) {
      scheduling.end();
    }
    if (admission != null) {
      admission.setAttribute("loadfuse.outcome", "cancelled").end();
    }
    if (orchestration != null) {
      orchestration.end();
    }
    request.end();
  }

  private Span child(String name, Context parent) {
    return tracer.spanBuilder(name).setParent(parent).setSpanKind(SpanKind.INTERNAL).startSpan();
  }
}
