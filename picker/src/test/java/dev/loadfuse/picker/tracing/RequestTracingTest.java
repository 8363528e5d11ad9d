package dev.loadfuse.picker.tracing;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.requestHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.responseHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.setHeader;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.ProfileSpec;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.PickerFixture;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tracing end to end: a real picker (ext_proc over gRPC) exporting over OTLP/gRPC, as the reference
 * does, to a real OTLP collector; the settings come as the {@code otel.*} system properties that
 * stand for the {@code OTEL_*} variables.
 */
class RequestTracingTest {

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
  private static final String CLIENT_SPAN = "00f067aa0ba902b7";
  private static final String CLIENT_TRACEPARENT = "00-" + TRACE_ID + "-" + CLIENT_SPAN + "-01";
  private static final String ENDPOINTS = PickerFixture.entry("a", "127.0.0.1", 8000)
      + PickerFixture.entry("b", "127.0.0.1", 8001);

  private final List<Span> spans = new CopyOnWriteArrayList<>();
  private final List<String> serviceNames = new CopyOnWriteArrayList<>();
  private Server collector;
  private final Map<String, String> properties = Map.of(
      "otel.traces.exporter", "otlp",
      "otel.exporter.otlp.protocol", "grpc",
      // Only what the caller sampled: a new trace (ratio 0) is passed on, unsampled.
      "otel.traces.sampler", "parentbased_traceidratio",
      "otel.traces.sampler.arg", "0",
      "otel.bsp.schedule.delay", "20");

  @BeforeEach
  void startCollector() throws Exception {
    collector = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(new TraceServiceGrpc.TraceServiceImplBase() {
          @Override
          public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> out) {
            request.getResourceSpansList().forEach(rs -> {
              rs.getResource().getAttributesList().stream().filter(a -> a.getKey().equals("service.name"))
                  .forEach(a -> serviceNames.add(a.getValue().getStringValue()));
              rs.getScopeSpansList().forEach(ss -> spans.addAll(ss.getSpansList()));
            });
            out.onNext(ExportTraceServiceResponse.getDefaultInstance());
            out.onCompleted();
          }
        }).build().start();
    properties.forEach(System::setProperty);
    System.setProperty("otel.exporter.otlp.endpoint", "http://127.0.0.1:" + collector.getPort());
  }

  @AfterEach
  void stopCollector() throws Exception {
    properties.keySet().forEach(System::clearProperty);
    System.clearProperty("otel.exporter.otlp.endpoint");
    collector.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
  }

  @Test
  void aSampledRequest_spansForTheRequestAdmissionSchedulingAndEachPlugin_andItsContextGoesToTheModelServer(
      @TempDir Path dir) throws Exception {
    String routedTraceparent;
    String unsampledTraceparent;
    try (PickerFixture p = PickerFixture.start(dir, ENDPOINTS)) {
      try (EnvoyStream s = p.stream()) {
        s.send(post("/v1/completions", "traceparent", CLIENT_TRACEPARENT, "tracestate", "vendor=1"));
        s.send(requestBody("{\"model\":\"m\",\"prompt\":\"hello\"}", true));
        HeaderMutation routed = s.untilRequestBodyEnd().getFirst().getRequestHeaders().getResponse().getHeaderMutation();
        routedTraceparent = setHeader(routed, "traceparent");
        assertThat(setHeader(routed, "tracestate")).isEqualTo("vendor=1");
        s.send(responseHeaders(true, ":status", "200"));
        s.next();
        s.halfClose();
        s.awaitEnd();
      }
      try (EnvoyStream s = p.stream()) { // no trace context: a new trace, not sampled
        s.send(requestHeaders(true, ":method", "GET", ":path", "/v1/models"));
        ProcessingResponse r = s.next();
        unsampledTraceparent = setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(), "traceparent");
        s.halfClose();
        s.awaitEnd();
      }
    } // the picker's stop exports what is pending

    // The model server's parent is the picker's request span, in the caller's trace, sampled.
    assertThat(routedTraceparent).matches("00-" + TRACE_ID + "-[0-9a-f]{16}-01");
    Span request = only("gateway.request");
    assertThat(hex(request.getTraceId())).isEqualTo(TRACE_ID);
    assertThat(hex(request.getParentSpanId())).isEqualTo(CLIENT_SPAN);
    assertThat(routedTraceparent.split("-")[2]).isEqualTo(hex(request.getSpanId()));
    assertThat(request.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(attributes(request)).containsEntry("http.response.status_code", "200");

    Span orchestration = only("gateway.request_orchestration");
    assertThat(orchestration.getParentSpanId()).isEqualTo(request.getSpanId());
    assertThat(attributes(orchestration)).containsEntry("target_model", "m").containsEntry("request_prio", "0")
        .containsEntry("loadfuse.fairness_id", "default-flow");
    Span admission = only("loadfuse.admission");
    assertThat(admission.getParentSpanId()).isEqualTo(orchestration.getSpanId());
    assertThat(attributes(admission)).containsEntry("loadfuse.outcome", "dispatched");
    Span scheduling = only("loadfuse.scheduling");
    assertThat(scheduling.getParentSpanId()).isEqualTo(orchestration.getSpanId());
    assertThat(attributes(scheduling)).containsEntry("loadfuse.candidate_endpoints", "2");
    assertThat(attributes(scheduling).get("loadfuse.destination_endpoint")).isIn("127.0.0.1:8000", "127.0.0.1:8001");

    // One span per plugin of the default profile, in order, under the decision.
    List<String> expected = new ArrayList<>();
    for (ProfileSpec profile : new ConfigLoader(InTreePlugins.registry()).defaults().profiles()) {
      profile.filters().forEach(f -> expected.add("loadfuse.filter." + f.typedName().type()));
      profile.scorers().forEach(w -> expected.add("llm_d.epp.scorer." + w.scorer().typedName().type()));
      expected.add("loadfuse.picker." + profile.picker().typedName().type());
    }
    List<Span> plugins = spans.stream().filter(s -> s.getParentSpanId().equals(scheduling.getSpanId()))
        .sorted(java.util.Comparator.comparingLong(Span::getStartTimeUnixNano)).toList();
    assertThat(plugins).extracting(Span::getName).containsExactlyElementsOf(expected);
    assertThat(plugins).allSatisfy(s -> assertThat(attributes(s)).containsKeys("loadfuse.plugin.type",
        "loadfuse.plugin.name", "loadfuse.plugin.result_endpoints"));

    // The unsampled request passed a context on and recorded nothing.
    assertThat(unsampledTraceparent).as("sampled flag off").matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[02]");
    assertThat(spans).allSatisfy(s -> assertThat(hex(s.getTraceId())).isEqualTo(TRACE_ID));
    assertThat(serviceNames).containsOnly("gateway-api-inference-extension/epp");
  }

  @Test
  void aRefusedRequest_endsItsSpansWithTheErrorCode(@TempDir Path dir) throws Exception {
    try (PickerFixture p = PickerFixture.start(dir, "")) { // no endpoints: 503
      try (EnvoyStream s = p.stream()) {
        s.send(post("/v1/completions", "traceparent", CLIENT_TRACEPARENT));
        s.send(requestBody("{\"model\":\"m\",\"prompt\":\"hello\"}", true));
        assertThat(s.next().getImmediateResponse().getStatus().getCodeValue()).isEqualTo(503);
        s.awaitEnd();
      }
    }
    Span request = only("gateway.request");
    assertThat(request.getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(attributes(request)).containsEntry("loadfuse.error_code", "ServiceUnavailable");
    assertThat(attributes(only("loadfuse.admission"))).containsEntry("loadfuse.outcome", "ServiceUnavailable");
    assertThat(only("gateway.request_orchestration").getStatus().getCode())
        .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
  }

  @Test
  void tracingFalse_addsNoTraceContext_andExportsNothing(@TempDir Path dir) throws Exception {
    try (PickerFixture p = PickerFixture.start(dir, ENDPOINTS, null, null, o -> o.setTracing(false))) {
      try (EnvoyStream s = p.stream()) {
        s.send(requestHeaders(true, ":method", "GET", ":path", "/v1/models", "traceparent", CLIENT_TRACEPARENT));
        HeaderMutation routed = s.next().getRequestHeaders().getResponse().getHeaderMutation();
        assertThat(setHeader(routed, "x-gateway-destination-endpoint")).isNotNull();
        assertThat(setHeader(routed, "traceparent")).as("the client's own header goes on unchanged").isNull();
        s.halfClose();
        s.awaitEnd();
      }
    }
    assertThat(spans).isEmpty();
  }

  private Span only(String name) {
    List<Span> named = spans.stream().filter(s -> s.getName().equals(name)).toList();
    assertThat(named).as(name + " among " + spans.stream().map(Span::getName).toList()).hasSize(1);
    return named.getFirst();
  }

  private static Map<String, String> attributes(Span s) {
    return s.getAttributesList().stream().collect(Collectors.toMap(KeyValue::getKey, kv -> switch (kv.getValue().getValueCase()) {
      case INT_VALUE -> Long.toString(kv.getValue().getIntValue());
      case BOOL_VALUE -> Boolean.toString(kv.getValue().getBoolValue());
      case DOUBLE_VALUE -> Double.toString(kv.getValue().getDoubleValue());
      default -> kv.getValue().getStringValue();
    }));
  }

  private static String hex(ByteString id) {
    return HexFormat.of().formatHex(id.toByteArray());
  }
}
