package dev.loadfuse.picker.request;

import java.util.List;
import dev.loadfuse.picker.scheduling.ControlHeader;
import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.withSubset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.openai.Api;
import dev.loadfuse.picker.routing.ObjectsFile;
import dev.loadfuse.picker.routing.RoutingTable;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import io.envoyproxy.envoy.config.core.v3.HeaderMap;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The request assembler on its own: Envoy's messages in, a parsed request or a refusal out; no server. */
class RequestAssemblerTest {

  private static final RoutingTable ROUTING = new RoutingTable(ObjectsFile.parse("""
      apiVersion: inference.networking.x-k8s.io/v1alpha2
      kind: InferenceModelRewrite
      metadata: {name: canary}
      spec:
        rules:
        - matches: [{model: {type: Exact, value: food-review}}]
          targets: [{modelRewrite: food-review-v1}]
      ---
      apiVersion: inference.networking.x-k8s.io/v1alpha2
      kind: InferenceObjective
      metadata: {name: batch}
      spec: {priority: -1}
      """, "test objects", null));

  private static RequestAssembler assembler() {
    return new RequestAssembler(1_000, ROUTING, 100);
  }

  private static HttpHeaders headers(String... keyValues) {
    return post("/v1/completions", keyValues).getRequestHeaders();
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static String forwarded(ParsedRequest r) {
    return new String(r.body(), 0, r.bodyLength(), StandardCharsets.UTF_8);
  }

  @Test
  void passthroughParser_forwardsTheBodyUnread_evenOnAnOpenAiPath() {
    RequestAssembler a = new RequestAssembler(1_000, ROUTING, 100, BufferBudget.UNLIMITED.account(), false);
    a.headers(headers("X-Request-Id", "req-1"));
    String body = "{\"model\":\"food-review\",\"prompt\":\"Write a review\"}";
    a.body(bytes(body));
    ParsedRequest r = a.finish();
    assertThat(r.api()).isEqualTo(Api.PASS_THROUGH);
    assertThat(r.model()).isEmpty();
    assertThat(r.prompt()).isEmpty();
    assertThat(r.bodyRewritten()).isFalse();
    assertThat(forwarded(r)).isEqualTo(body);
  }

  @Test
  void completion_parsed_rewrittenByTheRules_bytesSpliced() {
    RequestAssembler a = assembler();
    a.headers(headers("X-Request-Id", "req-1", "x-gateway-inference-fairness-id", "tenant-a"));
    String body = "{\"model\":\"food-review\",\"prompt\":\"Write a review\",\"cache_salt\":\"s\"}";
    a.body(bytes(body.substring(0, 10)));
    a.body(bytes(body.substring(10)));
    ParsedRequest r = a.finish();
    assertThat(r.requestId()).isEqualTo("req-1");
    assertThat(r.generatedRequestId()).isNull();
    assertThat(r.headers()).containsEntry("x-request-id", "req-1").containsEntry(":path", "/v1/completions");
    assertThat(r.api()).isEqualTo(Api.COMPLETIONS);
    assertThat(r.headerOnly()).isFalse();
    assertThat(r.model()).isEqualTo("food-review");
    assertThat(r.targetModel()).isEqualTo("food-review-v1");
    assertThat(r.bodyRewritten()).isTrue();
    assertThat(forwarded(r)).isEqualTo(body.replace("\"food-review\"", "\"food-review-v1\""));
    assertThat(r.prompt()).isEqualTo("Write a review");
    assertThat(r.cacheSalt()).isEqualTo("s");
    assertThat(r.priority()).isZero();
    assertThat(r.fairnessId()).isEqualTo("tenant-a");
    assertThat(r.subsetPresent()).isFalse();
    SchedulingRequest sr = r.schedulingRequest();
    assertThat(sr.bodyBytes()).isEqualTo(r.bodyLength());
    assertThat(sr.targetModel()).isEqualTo("food-review-v1");
  }

  @Test
  void rewriteHeader_appliesWhereNoRuleMatches_andAnUnchangedModelKeepsTheClientsBytes() {
    RequestAssembler a = new RequestAssembler(1_000, new RoutingTable(null), 0);
    a.headers(headers("x-gateway-model-name-rewrite", "food-review", "x-gateway-inference-objective", "batch"));
    String body = "{\"model\":\"food-review\",\"prompt\":\"p\"}";
    ByteString chunk = bytes(body);
    a.body(chunk);
    ParsedRequest r = a.finish();
    assertThat(r.targetModel()).isEqualTo("food-review");
    assertThat(r.bodyRewritten()).isFalse();
    assertThat(forwarded(r)).isEqualTo(body);
    assertThat(r.priority()).as("no objectives known").isZero();
    assertThat(r.fairnessId()).isEqualTo(SchedulingRequest.DEFAULT_FAIRNESS_ID);

    RequestAssembler ruled = assembler(); // a rule for food-review: it beats the header, as in the reference
    ruled.headers(headers("x-gateway-model-name-rewrite", "pinned"));
    ruled.body(bytes(body));
    assertThat(ruled.finish().targetModel()).isEqualTo("food-review-v1");
  }

  @Test
  void headerValues_rawValueElseValue_namesLowerCased_requestIdGeneratedWhenBlank() {
    RequestAssembler a = assembler();
    a.headers(HttpHeaders.newBuilder().setHeaders(HeaderMap.newBuilder()
        .addHeaders(HeaderValue.newBuilder().setKey("X-Plain").setValue("v"))
        .addHeaders(HeaderValue.newBuilder().setKey("X-Raw").setValue("ignored").setRawValue(bytes("raw")))
        .addHeaders(HeaderValue.newBuilder().setKey("x-request-id").setValue(" "))
        .addHeaders(HeaderValue.newBuilder().setKey(":path").setValue("/v1/models"))).setEndOfStream(true).build());
    ParsedRequest r = a.headerOnly();
    assertThat(r.headers()).containsEntry("x-plain", "v").containsEntry("x-raw", "raw");
    assertThat(r.requestId()).isNotBlank().isEqualTo(r.generatedRequestId());
    assertThat(r.headerOnly()).isTrue();
    assertThat(r.api()).as("any other path reads as a completion").isEqualTo(Api.COMPLETIONS);
    assertThat(r.model()).isEmpty();
    assertThat(r.targetModel()).isEmpty();
    assertThat(r.bodyLength()).isZero();
    assertThat(r.priority()).isZero();
  }

  static Stream<Arguments> paths() {
    return Stream.of(
        Arguments.of(new String[] {":path", "/v1/chat/completions"}, Api.CHAT_COMPLETIONS),
        Arguments.of(new String[] {":path", " ", "x-original-path", "/v1/embeddings"}, Api.EMBEDDINGS),
        Arguments.of(new String[] {"x-forwarded-path", "/v1/responses"}, Api.RESPONSES),
        Arguments.of(new String[] {":path", "/v1/completions", "x-original-path", "/v1/embeddings"}, Api.COMPLETIONS),
        Arguments.of(new String[] {":path", "/v1/conversations"}, Api.CONVERSATIONS),
        Arguments.of(new String[] {":path", "/v1/models"}, Api.COMPLETIONS),
        Arguments.of(new String[] {"x-other", "y"}, Api.COMPLETIONS));
  }

  @ParameterizedTest
  @MethodSource("paths")
  void api_fromTheFirstNonBlankPath(String[] headers, Api expected) {
    RequestAssembler a = assembler();
    a.headers(requestHeaders(true, headers).getRequestHeaders());
    assertThat(a.headerOnly().api()).isEqualTo(expected);
  }

  @Test
  void otherPath_isReadAsACompletion_asTheReferencesOpenAiParserReadsIt() {
    RequestAssembler a = assembler();
    a.headers(post("/v1/models", "x-gateway-inference-objective", "batch").getRequestHeaders());
    a.body(bytes("{\"model\":\"m\",\"prompt\":\"p\"}"));
    ParsedRequest r = a.finish();
    assertThat(r.model()).isEqualTo("m");
    assertThat(r.priority()).isEqualTo(-1);

    RequestAssembler b = assembler();
    b.headers(post("/tokenize").getRequestHeaders());
    b.body(bytes("{\"model\":\"m\",\"input\":\"p\"}"));
    assertThatThrownBy(b::finish).isInstanceOfSatisfying(PickerException.class, e -> assertThat(e.body())
        .isEqualTo("inference error: BadRequest - invalid completions request: must have prompt field"));
  }

  @Test
  void subsetHint_aList_presentButEmpty_aStringIsNoHint() {
    RequestAssembler a = assembler();
    a.headers(headers());
    a.metadata(withSubset(post("/x"), "10.0.0.1:8000", " ", "fd00::1").getMetadataContext());
    assertThat(a.headerOnly().subset()).containsExactly("10.0.0.1:8000", "fd00::1");

    RequestAssembler b = assembler();
    b.headers(headers());
    b.metadata(Metadata.newBuilder().putFilterMetadata(RequestAssembler.SUBSET_NAMESPACE, Struct.newBuilder()
        .putFields(RequestAssembler.SUBSET_KEY, Value.newBuilder().setStringValue("10.0.0.1:8000, 10.0.0.2").build())
        .build()).build());
    assertThat(b.headerOnly().subsetPresent()).as("the reference reads a list only").isFalse();

    RequestAssembler c = assembler();
    c.headers(headers());
    c.metadata(withSubset(post("/x")).getMetadataContext());
    assertThat(c.headerOnly().subsetPresent()).isTrue();
    assertThat(c.headerOnly().subset()).isEmpty();

    RequestAssembler d = assembler();
    d.headers(headers());
    d.metadata(Metadata.newBuilder().putFilterMetadata("other", Struct.getDefaultInstance()).build());
    assertThat(d.headerOnly().subsetPresent()).isFalse();
  }

  @Test
  void bodyOverTheLimit_is413_naming_theLimit() {
    RequestAssembler a = assembler();
    a.headers(headers());
    a.body(bytes("x".repeat(600)));
    assertThatThrownBy(() -> a.body(bytes("y".repeat(401))))
        .isInstanceOfSatisfying(PickerException.class, e -> assertThat(e.body())
            .isEqualTo("inference error: PayloadTooLarge - request body larger than 1000 bytes"));
  }

  @Test
  void bodyExactlyAtTheLimit_isTaken() {
    RequestAssembler a = new RequestAssembler(40, ROUTING, 0);
    a.headers(headers("x-gateway-model-name-rewrite", "m"));
    String body = "{\"model\":\"m\",\"prompt\":\"" + "p".repeat(15) + "\"}";
    assertThat(body).hasSize(40);
    a.body(bytes(body));
    assertThat(a.finish().bodyLength()).isEqualTo(40);
  }

  @Test
  void invalidBody_isRefused_withTheParsersMessage() {
    RequestAssembler a = assembler();
    a.headers(post("/v1/chat/completions").getRequestHeaders());
    a.body(bytes("{\"model\":\"m\",\"messages\":[]}"));
    assertThatThrownBy(a::finish).isInstanceOfSatisfying(PickerException.class, e -> assertThat(e.body())
        .isEqualTo("inference error: BadRequest - invalid chat completions request: must have valid messages field"));
  }

  @Test
  void headersTwice_areRefused_andABodyWithoutHeadersCountsAsTheirPlace() {
    RequestAssembler a = assembler();
    a.headers(headers());
    assertThatThrownBy(() -> a.headers(headers())).hasMessage("BadRequest - request headers received twice");

    RequestAssembler b = assembler();
    assertThat(b.started()).isFalse();
    b.body(bytes("raw"));
    assertThat(b.started()).isTrue();
    assertThat(b.requestId()).isNotBlank();
    assertThatThrownBy(b::finish).as("no path: read as a completion").hasMessageStartingWith(
        "BadRequest - error unmarshaling request body");
    assertThatThrownBy(() -> b.headers(headers())).hasMessage("BadRequest - request headers received twice");
  }

  @org.junit.jupiter.api.Test
  void aControlHeader_isReadUnderTheRoutersName_orTheOlderOne_theRoutersFirst() {
    for (ControlHeader h : List.of(ControlHeader.FAIRNESS_ID, ControlHeader.MODEL_NAME_REWRITE)) {
      assertReadUnderEitherName(h);
    }
  }

  private void assertReadUnderEitherName(ControlHeader h) {
    String body = "{\"model\":\"m\",\"prompt\":\"p\"}";
    for (String[] sent : List.of(new String[] {h.headerName(), "new"}, new String[] {h.alias(), "old"},
        new String[] {h.alias(), "old", h.headerName(), "new"})) {
      RequestAssembler a = assembler();
      a.headers(headers(sent));
      a.body(bytes(body));
      ParsedRequest r = a.finish();
      String expected = sent[sent.length - 1];
      assertThat(h == ControlHeader.FAIRNESS_ID ? r.fairnessId() : r.targetModel()).as(String.join(" ", sent))
          .isEqualTo(expected);
    }
  }
}
