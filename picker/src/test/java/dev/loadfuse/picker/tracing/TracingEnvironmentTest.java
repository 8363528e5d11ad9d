package dev.loadfuse.picker.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How the OTEL_* environment becomes the SDK's settings: the reference's defaults and fallbacks. */
class TracingEnvironmentTest {

  private static TracingEnvironment of(String... keyValues) {
    Map<String, String> env = new HashMap<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      env.put(keyValues[i], keyValues[i + 1]);
    }
    return TracingEnvironment.of("gateway-api-inference-extension/epp", env::get);
  }

  @Test
  void nothingSet_theReferencesDefaults_consoleExporterAndTenPercentOfNewTraces() {
    TracingEnvironment e = of();
    assertThat(e.properties()).containsEntry("otel.service.name", "gateway-api-inference-extension/epp")
        .containsEntry("otel.traces.exporter", "console")
        .containsEntry("otel.traces.sampler", "parentbased_traceidratio")
        .containsEntry("otel.traces.sampler.arg", "0.1")
        .containsEntry("otel.exporter.otlp.endpoint", "http://localhost:4317")
        .containsEntry("otel.exporter.otlp.protocol", "grpc")
        .containsEntry("otel.propagators", "tracecontext,baggage")
        .containsEntry("otel.metrics.exporter", "none")
        .containsEntry("otel.logs.exporter", "none");
    assertThat(e.warnings()).isEmpty();
  }

  static Stream<Arguments> settings() {
    return Stream.of(
        // variable, value, property, expected value, warning fragment ("" = none)
        Arguments.of("OTEL_TRACES_EXPORTER", "otlp", "otel.traces.exporter", "otlp", ""),
        Arguments.of("OTEL_TRACES_EXPORTER", "NONE", "otel.traces.exporter", "none", ""),
        Arguments.of("OTEL_TRACES_EXPORTER", "jaeger", "otel.traces.exporter", "console", "OTEL_TRACES_EXPORTER=jaeger"),
        Arguments.of("OTEL_TRACES_SAMPLER", "always_on", "otel.traces.sampler", "always_on", ""),
        Arguments.of("OTEL_TRACES_SAMPLER", "xray", "otel.traces.sampler", "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER=xray"),
        Arguments.of("OTEL_TRACES_SAMPLER_ARG", "0.25", "otel.traces.sampler.arg", "0.25", ""),
        Arguments.of("OTEL_TRACES_SAMPLER_ARG", "half", "otel.traces.sampler.arg", "0.1", "OTEL_TRACES_SAMPLER_ARG=half"),
        Arguments.of("OTEL_TRACES_SAMPLER_ARG", "1.5", "otel.traces.sampler.arg", "0.1", "between 0 and 1"),
        Arguments.of("OTEL_SERVICE_NAME", "my-epp", "otel.service.name", "my-epp", ""),
        Arguments.of("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317", "otel.exporter.otlp.endpoint",
            "http://collector:4317", ""),
        Arguments.of("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf", "otel.exporter.otlp.protocol", "http/protobuf", ""),
        Arguments.of("OTEL_BSP_SCHEDULE_DELAY", "20", "otel.bsp.schedule.delay", "20", ""));
  }

  @ParameterizedTest(name = "{0}={1}")
  @MethodSource("settings")
  void aVariable_becomesItsProperty_orTheReferencesFallbackWithAWarningNamingIt(String variable, String value,
      String property, String expected, String warning) {
    TracingEnvironment e = of(variable, value);
    assertThat(e.properties()).containsEntry(property, expected);
    if (warning.isEmpty()) {
      assertThat(e.warnings()).isEmpty();
    } else {
      assertThat(e.warnings()).singleElement().asString().contains(warning);
    }
  }

  @Test
  void aSamplerWithoutARatio_getsNoRatioArgument() {
    assertThat(of("OTEL_TRACES_SAMPLER", "parentbased_always_off").properties())
        .doesNotContainKey("otel.traces.sampler.arg");
  }

  @Test
  void aSettingTheSdkRefuses_failsTheStartNamingIt() {
    TracingEnvironment e = of("OTEL_TRACES_EXPORTER", "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon");
    assertThatThrownBy(() -> Tracing.start(e)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("tracing: ").hasMessageContaining("carrier-pigeon")
        .hasMessageContaining("--tracing=false");
  }
}
