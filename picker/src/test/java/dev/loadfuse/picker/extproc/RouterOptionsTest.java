package dev.loadfuse.picker.extproc;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.requestHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.setHeader;
import static dev.loadfuse.picker.testing.EnvoyStream.withModes;
import static dev.loadfuse.picker.testing.EnvoyStream.withSubset;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.scheduling.ControlHeader;
import dev.loadfuse.picker.server.PickerOptions;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.PickerFixture;
import dev.loadfuse.picker.testing.TestConfigs;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.HeaderMutation;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The llm-d router's request-path options over the real ext_proc server: its header names (and the
 * older ones), {@code --disable-endpoint-subset-filter}, {@code --emit-endpoint-scores},
 * {@code --grpc-max-send-msg-size}; and the 413 of {@code --grpc-max-recv-msg-size} naming it.
 */
class RouterOptionsTest {

  private static final String TWO = PickerFixture.entry("a", "127.0.0.1", 1) + PickerFixture.entry("b", "127.0.0.2", 1);

  @TempDir
  Path dir;

  private PickerFixture picker(String config, UnaryOperator<PickerOptions> tweak) throws Exception {
    return PickerFixture.start(dir, TWO, config, null, tweak);
  }

  private static ProcessingResponse route(EnvoyStream s, ProcessingRequest request) {
    s.send(request);
    return s.next();
  }

  private static HeaderMutation mutation(ProcessingResponse r) {
    return r.getRequestHeaders().getResponse().getHeaderMutation();
  }

  @Test
  void everyControlHeader_underEitherName_isTakenOutBeforeTheModelServer() throws Exception {
    List<String> kv = new ArrayList<>(List.of(":method", "GET", ":path", "/v1/models"));
    for (String name : ControlHeader.STRIPPED) {
      kv.add(name);
      kv.add("1");
    }
    try (PickerFixture p = picker(null, o -> o); EnvoyStream s = p.stream()) {
      HeaderMutation m = mutation(route(s, requestHeaders(true, kv.toArray(String[]::new))));
      assertThat(m.getRemoveHeadersList()).containsExactlyInAnyOrderElementsOf(ControlHeader.STRIPPED);
      assertThat(ControlHeader.STRIPPED).contains("x-llm-d-inference-fairness-id", "x-gateway-inference-fairness-id",
          "x-llm-d-slo-ttft-ms", "x-slo-ttft-ms", "x-gateway-destination-endpoint-subset");
    }
  }

  @Test
  void subsetHint_honouredByDefault_ignoredWithDisableEndpointSubsetFilter() throws Exception {
    try (PickerFixture p = picker(null, o -> o); EnvoyStream s = p.stream()) {
      ProcessingResponse r = route(s, withSubset(requestHeaders(true, ":path", "/v1/models"), "10.9.9.9:80"));
      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(503);
    }
    try (PickerFixture p = picker(null, o -> o.setDisableEndpointSubsetFilter(true)); EnvoyStream s = p.stream()) {
      ProcessingResponse r = route(s, withSubset(requestHeaders(true, ":path", "/v1/models"), "10.9.9.9:80"));
      assertThat(setHeader(mutation(r), "x-gateway-destination-endpoint")).isIn("127.0.0.1:1", "127.0.0.2:1");
    }
  }

  @Test
  void emitEndpointScores_putsEachScoredCandidatesScoreInTheLbMetadata_offByDefault() throws Exception {
    try (PickerFixture p = picker(TestConfigs.QUEUE_THREE_ENDPOINTS, o -> o.setEmitEndpointScores(true));
        EnvoyStream s = p.stream()) {
      s.send(post("/v1/completions"));
      Struct lb = route(s, requestBody("{\"model\":\"m\",\"prompt\":\"p\"}", true)).getDynamicMetadata()
          .getFieldsOrThrow("envoy.lb").getStructValue();
      Struct scores = lb.getFieldsOrThrow("x-gateway-destination-endpoint-scores").getStructValue();
      assertThat(scores.getFieldsMap()).containsOnlyKeys("127.0.0.1:1", "127.0.0.2:1");
      assertThat(scores.getFieldsMap().values()).extracting(Value::getNumberValue)
          .allSatisfy(v -> assertThat(v).isBetween(0.0, 1.0));
    }
    try (PickerFixture p = picker(TestConfigs.QUEUE_THREE_ENDPOINTS, o -> o); EnvoyStream s = p.stream()) {
      s.send(post("/v1/completions"));
      Struct lb = route(s, requestBody("{\"model\":\"m\",\"prompt\":\"p\"}", true)).getDynamicMetadata()
          .getFieldsOrThrow("envoy.lb").getStructValue();
      assertThat(lb.getFieldsMap()).containsOnlyKeys("x-gateway-destination-endpoint");
    }
  }

  @Test
  void aMessageOverGrpcMaxSendMsgSize_endsTheStreamResourceExhausted_andReleasesTheRequest() throws Exception {
    try (PickerFixture p = picker(null, o -> o.setGrpcMaxSendMsgSize(64)); EnvoyStream s = p.stream()) {
      s.send(requestHeaders(true, ":method", "GET", ":path", "/v1/models", "x-request-id", "r".repeat(100)));
      Status end = s.awaitEnd();
      assertThat(end.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      assertThat(end.getDescription()).contains("larger than max").contains("vs. 64").contains("--grpc-max-send-msg-size");
      for (EndpointState e : p.server.datastore().all()) {
        assertThat(e.inFlight()).as(e.id().toString()).isZero();
      }
    }
  }

  @Test
  void aMessageOverGrpcMaxRecvMsgSize_isAnswered413NamingThatFlag() throws Exception {
    try (PickerFixture p = picker(null, o -> o.setGrpcMaxRecvMsgSize(4096)); EnvoyStream s = p.stream()) {
      s.send(withModes(post("/v1/completions"), BodySendMode.BUFFERED, BodySendMode.NONE));
      s.send(requestBody("x".repeat(8192), true));
      ProcessingResponse r = s.next();
      while (!r.hasImmediateResponse()) {
        r = s.next();
      }
      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(413);
      assertThat(r.getImmediateResponse().getBody().toStringUtf8())
          .endsWith("larger than the limit of 4096 bytes (--grpc-max-recv-msg-size)");
    }
  }

  @Test
  void enableGrpcStreamMetrics_countsStreamsByStatus_timesThem_andGaugesTheOpenOnes() throws Exception {
    try (PickerFixture p = picker(null, o -> o.setEnableGrpcStreamMetrics(true))) {
      try (EnvoyStream s = p.stream()) {
        route(s, requestHeaders(true, ":method", "GET", ":path", "/v1/models"));
        s.halfClose();
        s.awaitEnd();
      }
      EnvoyStream open = p.stream();
      route(open, requestHeaders(true, ":method", "GET", ":path", "/v1/models"));
      dev.loadfuse.picker.testing.Await.until("one stream open", () -> p.get("/metrics")
          .contains("llm_d_epp_extproc_streams_inflight 1.0"));
      open.cancel();
      dev.loadfuse.picker.testing.Await.until("the cancelled stream counted", () -> p.get("/metrics")
          .contains("llm_d_epp_extproc_streams_total{code=\"Canceled\"} 1.0"));
      String metrics = p.get("/metrics");
      assertThat(metrics).contains("llm_d_epp_extproc_streams_total{code=\"OK\"} 1.0")
          .contains("llm_d_epp_extproc_streams_inflight 0.0")
          .contains("llm_d_epp_extproc_stream_duration_seconds_bucket{le=\"600.0\"} 2")
          .contains("llm_d_epp_extproc_stream_duration_seconds_count 2");
    }
    try (PickerFixture p = picker(null, o -> o)) {
      assertThat(p.get("/metrics")).doesNotContain("llm_d_epp_extproc_");
    }
  }
}
