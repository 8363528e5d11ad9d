package dev.loadfuse.picker.tracing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * The OpenTelemetry settings the picker starts its tracing with: the standard {@code OTEL_*}
 * environment variables (a system property {@code otel.*} beats its variable, as in the Java SDK),
 * over the reference endpoint picker's defaults.
 *
 * <p>The reference's defaults differ from OpenTelemetry's: without {@code OTEL_TRACES_EXPORTER} it
 * exports to the console, and it samples 10 % of new traces ({@code parentbased_traceidratio},
 * argument 0.1). It honours only that sampler and the {@code otlp} and {@code console} exporters,
 * falling back to its defaults for anything else. Here an exporter or sampler the SDK knows is used
 * as given; an unknown one falls back as the reference's does, with a warning naming the variable.
 */
public final class TracingEnvironment {

  /** The reference's defaults when tracing is on. */
  static final String DEFAULT_EXPORTER = "console";
  static final String DEFAULT_SAMPLER = "parentbased_traceidratio";
  static final String DEFAULT_SAMPLER_ARG = "0.1";
  static final String DEFAULT_OTLP_ENDPOINT = "http://localhost:4317";

  private static final Set<String> EXPORTERS = Set.of("otlp", "console", "logging", "logging-otlp", "none");
  private static final Set<String> SAMPLERS = Set.of("always_on", "always_off", "traceidratio",
      "parentbased_always_on", "parentbased_always_off", "parentbased_traceidratio");
  private static final Set<String> RATIO_SAMPLERS = Set.of("traceidratio", "parentbased_traceidratio");

  private final Map<String, String> properties;
  private final List<String> warnings;

  private TracingEnvironment(Map<String, String> properties, List<String> warnings) {
    this.properties = Map.copyOf(properties);
    this.warnings = List.copyOf(warnings);
  }

  /** From this process's environment and system properties. */
  public static TracingEnvironment ofProcess(String defaultServiceName) {
    return of(defaultServiceName, name -> {
      String property = System.getProperty(name.toLowerCase(Locale.ROOT).replace('_', '.'));
      return property != null ? property : System.getenv(name);
    });
  }

  /**
   * @param defaultServiceName {@code OTEL_SERVICE_NAME} when unset
   * @param lookup an {@code OTEL_*} variable's value, null when unset
   */
  public static TracingEnvironment of(String defaultServiceName, UnaryOperator<String> lookup) {
    Map<String, String> p = new LinkedHashMap<>();
    List<String> warnings = new java.util.ArrayList<>(2);
    p.put("otel.service.name", orDefault(lookup.apply("OTEL_SERVICE_NAME"), defaultServiceName));
    p.put("otel.exporter.otlp.endpoint", orDefault(lookup.apply("OTEL_EXPORTER_OTLP_ENDPOINT"), DEFAULT_OTLP_ENDPOINT));
    p.put("otel.exporter.otlp.protocol", orDefault(lookup.apply("OTEL_EXPORTER_OTLP_PROTOCOL"), "grpc"));
    p.put("otel.propagators", orDefault(lookup.apply("OTEL_PROPAGATORS"), "tracecontext,baggage"));
    p.put("otel.metrics.exporter", "none"); // the picker's metrics are on its Prometheus port
    p.put("otel.logs.exporter", "none");

    String exporter = orDefault(lookup.apply("OTEL_TRACES_EXPORTER"), DEFAULT_EXPORTER).trim().toLowerCase(Locale.ROOT);
    if (!EXPORTERS.contains(exporter)) {
      warnings.add("OTEL_TRACES_EXPORTER=" + exporter + " is not one of " + sorted(EXPORTERS) + ": exporting to the "
          + DEFAULT_EXPORTER + " instead, as the reference endpoint picker does");
      exporter = DEFAULT_EXPORTER;
    }
    p.put("otel.traces.exporter", exporter);

    String sampler = orDefault(lookup.apply("OTEL_TRACES_SAMPLER"), DEFAULT_SAMPLER).trim().toLowerCase(Locale.ROOT);
    String arg = lookup.apply("OTEL_TRACES_SAMPLER_ARG");
    if (!SAMPLERS.contains(sampler)) {
      warnings.add("OTEL_TRACES_SAMPLER=" + sampler + " is not one of " + sorted(SAMPLERS) + ": sampling with "
          + DEFAULT_SAMPLER + " " + DEFAULT_SAMPLER_ARG + " instead, as the reference endpoint picker does");
      sampler = DEFAULT_SAMPLER;
      arg = null;
    }
    p.put("otel.traces.sampler", sampler);
    if (RATIO_SAMPLERS.contains(sampler)) {
      p.put("otel.traces.sampler.arg", ratio(arg, warnings));
    }
    for (String key : List.of("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
        "OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_CERTIFICATE",
        "OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_RESOURCE_ATTRIBUTES", "OTEL_BSP_SCHEDULE_DELAY",
        "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "OTEL_BSP_EXPORT_TIMEOUT")) {
      String v = lookup.apply(key);
      if (v != null) {
        p.put(key.toLowerCase(Locale.ROOT).replace('_', '.'), v);
      }
    }
    return new TracingEnvironment(p, warnings);
  }

  private static String ratio(String arg, List<String> warnings) {
    if (arg == null) {
      return DEFAULT_SAMPLER_ARG;
    }
    try {
      double r = Double.parseDouble(arg.trim());
      if (r >= 0 && r <= 1) {
        return Double.toString(r);
      }
    } catch (NumberFormatException ignored) {
      // warned below
    }
    warnings.add("OTEL_TRACES_SAMPLER_ARG=" + arg + " is not a ratio between 0 and 1: sampling "
        + DEFAULT_SAMPLER_ARG + " of new traces instead, as the reference endpoint picker does");
    return DEFAULT_SAMPLER_ARG;
  }

  private static String orDefault(String value, String fallback) {
    return value == null || value.isBlank() ? fallback : value;
  }

  private static String sorted(Set<String> names) {
    return String.join(", ", new java.util.TreeSet<>(names));
  }

  /** The SDK's configuration properties ({@code otel.*}). */
  public Map<String, String> properties() {
    return properties;
  }

  /** What was replaced by a default, one sentence each. */
  public List<String> warnings() {
    return warnings;
  }
}
