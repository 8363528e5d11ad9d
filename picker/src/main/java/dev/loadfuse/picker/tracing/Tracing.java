package dev.loadfuse.picker.tracing;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.common.CompletableResultCode;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * The picker's tracing ({@code --tracing}): {@link #OFF}, or an OpenTelemetry SDK that gives each
 * request a {@link RequestTrace}. One per picker; thread-safe.
 */
public final class Tracing implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(Tracing.class.getName());
  /** The instrumentation scope of the picker's spans. */
  static final String SCOPE = "dev.loadfuse.picker";

  /** No spans, no trace context passed on. */
  public static final Tracing OFF = new Tracing(null, null, null);

  private final Tracer tracer;
  private final TextMapPropagator propagator;
  private final OpenTelemetrySdk sdk; // null when the caller owns the OpenTelemetry

  private Tracing(Tracer tracer, TextMapPropagator propagator, OpenTelemetrySdk sdk) {
    this.tracer = tracer;
    this.propagator = propagator;
    this.sdk = sdk;
  }

  /** Tracing through {@code openTelemetry}, which the caller owns (and closes). */
  public static Tracing of(OpenTelemetry openTelemetry) {
    return new Tracing(openTelemetry.getTracer(SCOPE), openTelemetry.getPropagators().getTextMapPropagator(), null);
  }

  /**
   * An SDK configured by {@code environment}; {@link #close()} flushes and stops it.
   *
   * @throws IllegalArgumentException naming the setting the SDK refused
   */
  public static Tracing start(TracingEnvironment environment) {
    environment.warnings().forEach(LOG::warning);
    Map<String, String> properties = environment.properties();
    OpenTelemetrySdk sdk;
    try {
      sdk = AutoConfiguredOpenTelemetrySdk.builder()
          .addPropertiesCustomizer(config -> properties)
          .disableShutdownHook()
          .build()
          .getOpenTelemetrySdk();
    } catch (RuntimeException e) { // the SDK's ConfigurationException names the property
      throw new IllegalArgumentException("tracing: " + e.getMessage()
          + " (from the OTEL_* environment; --tracing=false turns tracing off)", e);
    }
    LOG.info("tracing: exporting spans to " + properties.get("otel.traces.exporter") + " as "
        + properties.get("otel.service.name") + ", sampler " + properties.get("otel.traces.sampler")
        + (properties.containsKey("otel.traces.sampler.arg") ? " " + properties.get("otel.traces.sampler.arg") : ""));
    return new Tracing(sdk.getTracer(SCOPE), sdk.getPropagators().getTextMapPropagator(), sdk);
  }

  public boolean enabled() {
    return tracer != null;
  }

  /**
   * Starts the trace of one request whose HTTP headers are {@code headers} (lower-case names): its
   * trace context, if any, is the parent. {@link RequestTrace#NONE} when tracing is off.
   */
  public RequestTrace start(Map<String, String> headers) {
    return tracer == null ? RequestTrace.NONE : RequestTrace.start(tracer, propagator, headers);
  }

  /** Exports what is pending (up to 10 s) and stops the SDK this tracing started. */
  @Override
  public void close() {
    if (sdk != null) {
      CompletableResultCode done = sdk.shutdown().join(10, TimeUnit.SECONDS);
      if (!done.isSuccess()) {
        LOG.warning("tracing: the span exporter did not finish within 10 s; some spans may be lost");
      }
    }
  }
}
