package dev.loadfuse.picker.extproc;

import static dev.loadfuse.picker.testing.EnvoyStream.lbDestination;
import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.requestHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.requestTrailers;
import static dev.loadfuse.picker.testing.EnvoyStream.responseBody;
import static dev.loadfuse.picker.testing.EnvoyStream.responseHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.setHeader;
import static dev.loadfuse.picker.testing.EnvoyStream.withModes;
import static dev.loadfuse.picker.testing.EnvoyStream.withSubset;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.PickerFixture;
import dev.loadfuse.picker.testing.TestConfigs;
import io.envoyproxy.envoy.extensions.filters.http.ext_proc.v3.ProcessingMode.BodySendMode;
import io.envoyproxy.envoy.service.ext_proc.v3.CommonResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.StreamedBodyResponse;
import io.grpc.Status;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The ext_proc protocol of the request and response paths, through the real server. */
class ProtocolTest {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String COMPLETION = "{\"model\":\"food-review\",\"prompt\":\"Write a review\",\"max_tokens\":5}";
  private static final String FALLBACKS = TestConfigs.QUEUE_THREE_ENDPOINTS;
  private static final String OBJECTS = """
      apiVersion: inference.networking.x-k8s.io/v1alpha2
      kind: InferenceModelRewrite
      metadata: {name: canary}
      spec:
        poolRef: {name: test-pool}
        rules:
        - matches: [{model: {type: Exact, value: food-review}}]
          targets:
          - {modelRewrite: food-review-v1, weight: 80}
          - {modelRewrite: food-review-v2, weight: 20}
        - targets: [{modelRewrite: canary-default}]   # match-all of the older resource
      ---
      apiVersion: inference.networking.x-k8s.io/v1alpha2
      kind: InferenceModelRewrite
      metadata: {name: catch-all}
      spec:
        rules:
        - targets: [{modelRewrite: base-model}]
      ---
      apiVersion: inference.networking.x-k8s.io/v1alpha2
      kind: InferenceObjective
      metadata: {name: batch}
      spec: {priority: -1}
      """;

  static PickerFixture picker;
  /** No rewrite rules: the rewrite header decides (a matching rule would beat it). */
  static PickerFixture plain;
  static PickerFixture fallbacks;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("picker-protocol");
    String three = PickerFixture.entry("a", "127.0.0.1", 1) + PickerFixture.entry("b", "127.0.0.2", 1)
        + PickerFixture.entry("c", "::1", 2);
    picker = PickerFixture.start(Files.createDirectories(dir.resolve("p")), three, null, OBJECTS, s -> s);
    plain = PickerFixture.start(Files.createDirectories(dir.resolve("q")), three, null, null, s -> s);
    fallbacks = PickerFixture.start(Files.createDirectories(dir.resolve("f")), three, FALLBACKS, null, s -> s);
  }

  @AfterAll
  static void stop() throws Exception {
    picker.close();
    plain.close();
    fallbacks.close();
  }

  private static final Set<String> ENDPOINTS = Set.of("127.0.0.1:1", "127.0.0.2:1", "[::1]:2");

  /** Concatenates the streamed request body chunks, checking sizes and end_of_stream. */
  private static byte[] streamedBody(List<ProcessingResponse> responses, boolean request) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < responses.size(); i++) {
      ProcessingResponse r = responses.get(i);
      assertThat(request ? r.hasRequestBody() : r.hasResponseBody()).as("body response %d", i).isTrue();
      StreamedBodyResponse b = (request ? r.getRequestBody() : r.getResponseBody()).getResponse().getBodyMutation().getStreamedResponse();
      assertThat(b.getBody().size()).isLessThanOrEqualTo(62_000);
      assertThat(b.getEndOfStream()).as("end_of_stream on chunk %d of %d", i, responses.size()).isEqualTo(i == responses.size() - 1);
      out.writeBytes(b.getBody().toByteArray());
    }
    return out.toByteArray();
  }

  @Test
  void headerOnlyRequest_isRoutedAtOnce() {
    try (EnvoyStream s = picker.stream()) {
      s.send(requestHeaders(true, ":method", "GET", ":path", "/v1/models", "x-request-id", "req-1"));
      ProcessingResponse r = s.next();
      CommonResponse c = r.getRequestHeaders().getResponse();
      assertThat(c.getClearRouteCache()).isTrue();
      String dest = setHeader(c.getHeaderMutation(), "x-gateway-destination-endpoint");
      assertThat(dest).isIn(ENDPOINTS);
      assertThat(lbDestination(r)).isEqualTo(dest);
      assertThat(setHeader(c.getHeaderMutation(), "Content-Length")).isNull();
      assertThat(setHeader(c.getHeaderMutation(), "x-request-id")).isNull(); // kept, not replaced
    }
  }

  @Test
  void streamedMode_bodyInSeveralChunks_headersFirstThenTheSameBody() throws Exception {
    try (EnvoyStream s = plain.stream()) {
      String body = "{\"model\":\"other\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
      // other → catch-all rewrite to base-model: use the header to keep the body unchanged here
      s.send(withModes(post("/v1/chat/completions", "x-gateway-model-name-rewrite", "other"),
          BodySendMode.FULL_DUPLEX_STREAMED, BodySendMode.FULL_DUPLEX_STREAMED));
      s.send(requestBody(body.substring(0, 10), false));
      s.send(requestBody(body.substring(10, 30), false));
      s.send(requestBody(body.substring(30), true));
      ProcessingResponse headers = s.next();
      CommonResponse c = headers.getRequestHeaders().getResponse();
      assertThat(c.getClearRouteCache()).isTrue();
      assertThat(setHeader(c.getHeaderMutation(), "x-gateway-destination-endpoint")).isIn(ENDPOINTS);
      assertThat(setHeader(c.getHeaderMutation(), "Content-Length")).isEqualTo(Integer.toString(body.length()));
      assertThat(setHeader(c.getHeaderMutation(), "x-request-id")).isNotBlank(); // generated
      assertThat(new String(streamedBody(s.untilRequestBodyEnd(), true), StandardCharsets.UTF_8)).isEqualTo(body);
    }
  }

  @Test
  void unknownMode_withTrailers_routesAtTheTrailers() {
    try (EnvoyStream s = picker.stream()) {
      String body = "{\"model\":\"base-model\",\"input\":\"x\"}";
      s.send(post("/v1/embeddings")).send(requestBody(body, false)).send(requestTrailers());
      assertThat(s.next().hasRequestHeaders()).isTrue();
      ProcessingResponse chunk = s.next();
      assertThat(chunk.getRequestBody().getResponse().getBodyMutation().getStreamedResponse().getEndOfStream()).isFalse();
      assertThat(s.next().hasRequestTrailers()).isTrue();
    }
  }

  @Test
  void bufferedMode_headersAnsweredAtOnce_routingInTheBodyResponse() throws Exception {
    try (EnvoyStream s = picker.stream()) {
      s.send(withModes(post("/v1/completions", "x-request-id", "r-b"), BodySendMode.BUFFERED, BodySendMode.BUFFERED));
      ProcessingResponse first = s.next();
      assertThat(first.getRequestHeaders().getResponse().getClearRouteCache()).isTrue();
      assertThat(first.getRequestHeaders().getResponse().getHeaderMutation().getSetHeadersCount()).isZero();
      s.send(requestBody(COMPLETION.substring(0, 20), false)).send(requestBody(COMPLETION.substring(20), true));
      ProcessingResponse r = s.next();
      CommonResponse c = r.getRequestBody().getResponse();
      String dest = setHeader(c.getHeaderMutation(), "x-gateway-destination-endpoint");
      assertThat(dest).isIn(ENDPOINTS);
      assertThat(lbDestination(r)).isEqualTo(dest);
      assertThat(c.getClearRouteCache()).isTrue();
      // food-review is rewritten by the canary rule: the body is replaced, Content-Length follows
      JsonNode forwarded = JSON.readTree(c.getBodyMutation().getBody().toByteArray());
      assertThat(forwarded.get("model").asText()).isIn("food-review-v1", "food-review-v2");
      assertThat(forwarded.get("prompt").asText()).isEqualTo("Write a review");
      assertThat(setHeader(c.getHeaderMutation(), "Content-Length"))
          .isEqualTo(Integer.toString(c.getBodyMutation().getBody().size()));
    }
  }

  @Test
  void bufferedMode_unchangedBody_isNotReplaced() {
    try (EnvoyStream s = plain.stream()) {
      s.send(withModes(post("/v1/completions", "x-gateway-model-name-rewrite", "food-review"),
          BodySendMode.BUFFERED, BodySendMode.NONE));
      s.next();
      s.send(requestBody(COMPLETION, true));
      CommonResponse c = s.next().getRequestBody().getResponse();
      assertThat(c.hasBodyMutation()).isFalse();
      assertThat(setHeader(c.getHeaderMutation(), "Content-Length")).isEqualTo(Integer.toString(COMPLETION.length()));
    }
  }

  @Test
  void oneMegabyteBody_rewritten_comesBackInChunksOfAtMost62000() throws Exception {
    String prompt = "y".repeat(1 << 20);
    String body = "{\"prompt\":\"" + prompt + "\",\"model\":\"food-review\",\"n\":1}";
    try (EnvoyStream s = picker.stream()) {
      s.send(post("/v1/completions"));
      byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
      for (int off = 0; off < bytes.length; off += 16384) {
        int n = Math.min(16384, bytes.length - off);
        s.send(requestBody(java.util.Arrays.copyOfRange(bytes, off, off + n), off + n == bytes.length));
      }
      ProcessingResponse headers = s.next();
      List<ProcessingResponse> chunks = s.untilRequestBodyEnd();
      byte[] forwarded = streamedBody(chunks, true);
      assertThat(chunks.size()).isGreaterThanOrEqualTo(17);
      assertThat(setHeader(headers.getRequestHeaders().getResponse().getHeaderMutation(), "Content-Length"))
          .isEqualTo(Integer.toString(forwarded.length));
      String text = new String(forwarded, StandardCharsets.UTF_8);
      String target = JSON.readTree(forwarded).get("model").asText();
      assertThat(target).isIn("food-review-v1", "food-review-v2");
      assertThat(text).isEqualTo(body.replace("\"model\":\"food-review\"", "\"model\":\"" + target + "\""));
    }
  }

  @Test
  void subsetHints_restrictTheChoice() {
    for (int i = 0; i < 20; i++) {
      try (EnvoyStream s = picker.stream()) {
        s.send(withSubset(requestHeaders(true, ":path", "/v1/models"), "127.0.0.2:1"));
        assertThat(setHeader(s.next().getRequestHeaders().getResponse().getHeaderMutation(),
            "x-gateway-destination-endpoint")).isEqualTo("127.0.0.2:1");
      }
      try (EnvoyStream s = picker.stream()) {
        // partial: an unknown entry is ignored; a bare address matches its port
        s.send(withSubset(requestHeaders(true, ":path", "/v1/models"), "10.1.1.1:80", "::1"));
        assertThat(setHeader(s.next().getRequestHeaders().getResponse().getHeaderMutation(),
            "x-gateway-destination-endpoint")).isEqualTo("[::1]:2");
      }
    }
  }

  @Test
  void fallbacks_areCommaJoined_primaryFirst_ipv6Bracketed() {
    try (EnvoyStream s = fallbacks.stream()) {
      s.send(post("/v1/completions")).send(requestBody(COMPLETION, true)); // a header-only request goes to one, at random
      ProcessingResponse r = s.next();
      String dest = setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(), "x-gateway-destination-endpoint");
      assertThat(dest.split(",")).containsExactlyInAnyOrderElementsOf(ENDPOINTS);
      assertThat(lbDestination(r)).isEqualTo(dest);
      // the primary carries the in-flight request until the stream ends
      EndpointState primary = fallbacks.server.datastore().get(dest.split(",")[0]);
      assertThat(primary.inFlight()).isEqualTo(1);
      s.halfClose();
      assertThat(s.awaitEnd()).isEqualTo(Status.OK);
      Await.until("in-flight released", () -> primary.inFlight() == 0);
    }
  }

  @Test
  void weightedRewrite_distributionFollowsTheWeights() throws Exception {
    int n = 1000;
    int v1 = 0;
    for (int i = 0; i < n; i++) {
      try (EnvoyStream s = picker.stream()) {
        s.send(post("/v1/completions")).send(requestBody(COMPLETION, true));
        s.next();
        String model = JSON.readTree(streamedBody(s.untilRequestBodyEnd(), true)).get("model").asText();
        assertThat(model).isIn("food-review-v1", "food-review-v2");
        v1 += model.equals("food-review-v1") ? 1 : 0;
      }
    }
    assertThat(v1 / (double) n).isBetween(0.75, 0.85);
  }

  @Test
  void aMatchingRuleBeatsTheRewriteHeader_theHeaderDecidesWhereNoRuleMatches() throws Exception {
    try (EnvoyStream s = picker.stream()) { // the exact rule for food-review, header or not
      s.send(post("/v1/completions", "x-gateway-model-name-rewrite", "pinned")).send(requestBody(COMPLETION, true));
      s.next();
      assertThat(JSON.readTree(streamedBody(s.untilRequestBodyEnd(), true)).get("model").asText())
          .isIn("food-review-v1", "food-review-v2");
    }
    try (EnvoyStream s = picker.stream()) { // the older resource's match-all rule, header or not
      s.send(post("/v1/completions", "x-llm-d-model-name-rewrite", "pinned"))
          .send(requestBody(COMPLETION.replace("food-review", "anything"), true));
      s.next();
      assertThat(JSON.readTree(streamedBody(s.untilRequestBodyEnd(), true)).get("model").asText()).isEqualTo("canary-default");
    }
    try (EnvoyStream s = plain.stream()) { // no rule: the header
      s.send(post("/v1/completions", "x-gateway-model-name-rewrite", "pinned")).send(requestBody(COMPLETION, true));
      s.next();
      assertThat(JSON.readTree(streamedBody(s.untilRequestBodyEnd(), true)).get("model").asText()).isEqualTo("pinned");
    }
  }

  @Test
  void sseResponse_usageParsed_modelRestored_inFlightReleased() throws Exception {
    try (EnvoyStream s = plain.stream()) {
      s.send(post("/v1/completions", "x-gateway-model-name-rewrite", "served-model"))
          .send(requestBody(COMPLETION.replace("}", ",\"stream\":true}"), true));
      String dest = setHeader(s.next().getRequestHeaders().getResponse().getHeaderMutation(), "x-gateway-destination-endpoint");
      s.untilRequestBodyEnd();
      EndpointState ep = plain.server.datastore().get(dest);
      assertThat(ep.inFlight()).isPositive();

      s.send(responseHeaders(false, ":status", "200", "content-type", "text/event-stream"));
      assertThat(s.next().getResponseHeaders().getResponse().getHeaderMutation().getRemoveHeadersList())
          .containsExactly("content-length");
      String events = "data: {\"id\":\"1\",\"model\":\"served-model\",\"choices\":[{\"text\":\"Gre\"}]}\n\n"
          + "data: {\"id\":\"1\",\"model\":\"served-model\",\"choices\":[{\"text\":\"at\"}],"
          + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":10,\"total_tokens\":17}}\n\n"
          + "data: [DONE]\n\n";
      s.send(responseBody(events.substring(0, 45), false));
      s.send(responseBody(events.substring(45, 120), false));
      s.send(responseBody(events.substring(120), true));
      StringBuilder out = new StringBuilder();
      while (true) {
        StreamedBodyResponse b = s.next().getResponseBody().getResponse().getBodyMutation().getStreamedResponse();
        out.append(b.getBody().toStringUtf8());
        if (b.getEndOfStream()) {
          break;
        }
      }
      assertThat(out.toString()).isEqualTo(events.replace("served-model", "food-review"));
      Await.until("in-flight released", () -> ep.inFlight() == 0);
    }
    String metrics = plain.get("/metrics");
    assertThat(metrics).contains(
        "inference_objective_input_tokens_sum{model_name=\"food-review\",target_model_name=\"served-model\"} 7.0",
        "inference_objective_output_tokens_sum{model_name=\"food-review\",target_model_name=\"served-model\"} 10.0",
        "inference_objective_request_duration_seconds_count{model_name=\"food-review\",target_model_name=\"served-model\"} 1");
  }

  @Test
  void sseResponse_withoutRewrite_passesChunksThrough_andReadsUsage() {
    try (EnvoyStream s = plain.stream()) {
      s.send(post("/v1/chat/completions", "x-gateway-model-name-rewrite", "chat-model"))
          .send(requestBody("{\"model\":\"chat-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}", true));
      s.next();
      s.untilRequestBodyEnd();
      s.send(responseHeaders(false, ":status", "200", "content-type", "text/event-stream; charset=utf-8"));
      assertThat(s.next().getResponseHeaders().getResponse().hasHeaderMutation()).isFalse();
      String a = "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,";
      String b = "\"prompt_tokens_details\":{\"cached_tokens\":2}}}\r\n\r\ndata: [DONE]\r\n\r\n";
      s.send(responseBody(a, false)).send(responseBody(b, true));
      assertThat(s.next().getResponseBody().getResponse().getBodyMutation().getStreamedResponse().getBody().toStringUtf8()).isEqualTo(a);
      StreamedBodyResponse last = s.next().getResponseBody().getResponse().getBodyMutation().getStreamedResponse();
      assertThat(last.getBody().toStringUtf8()).isEqualTo(b);
      assertThat(last.getEndOfStream()).isTrue();
    }
    assertThat(plain.get("/metrics")).contains(
        "inference_objective_output_tokens_sum{model_name=\"chat-model\",target_model_name=\"chat-model\"} 4.0");
  }

  @Test
  void jsonResponse_modelRestored_errorStatusCounted() throws Exception {
    try (EnvoyStream s = picker.stream()) {
      s.send(post("/v1/completions")).send(requestBody(COMPLETION, true));
      s.next();
      String target = JSON.readTree(streamedBody(s.untilRequestBodyEnd(), true)).get("model").asText();
      s.send(responseHeaders(false, ":status", "200", "content-type", "application/json", "content-length", "99"));
      s.next();
      String response = "{\"id\":\"x\",\"model\":\"" + target + "\",\"usage\":{\"input_tokens\":5,\"output_tokens\":6}}";
      s.send(responseBody(response.substring(0, 30), false)).send(responseBody(response.substring(30), true));
      byte[] restored = streamedBody(List.of(s.next()), false);
      assertThat(new String(restored, StandardCharsets.UTF_8)).isEqualTo(response.replace(target, "food-review"));
    }
    try (EnvoyStream s = plain.stream()) {
      s.send(post("/v1/completions", "x-gateway-model-name-rewrite", "failing")).send(requestBody(COMPLETION, true));
      s.next();
      s.untilRequestBodyEnd();
      s.send(responseHeaders(false, ":status", "503"));
      s.next();
      s.send(responseBody("upstream overloaded", true));
      assertThat(streamedBody(List.of(s.next()), false)).asString().isEqualTo("upstream overloaded");
    }
    assertThat(plain.get("/metrics")).contains(
        "inference_objective_request_error_total{error_code=\"ModelServerError\",model_name=\"food-review\",target_model_name=\"failing\"} 1.0");
  }

  @Test
  void brokenStream_releasesTheInFlightCount() {
    EnvoyStream s = picker.stream();
    s.send(requestHeaders(true, ":path", "/v1/models", "x-request-id", "broken"));
    String dest = setHeader(s.next().getRequestHeaders().getResponse().getHeaderMutation(), "x-gateway-destination-endpoint");
    EndpointState ep = picker.server.datastore().get(dest);
    Await.until("counted", () -> ep.inFlight() >= 1);
    int before = ep.inFlight();
    s.cancel();
    Await.until("released", () -> ep.inFlight() == before - 1);
  }

  @Test
  void sheddableRequest_whileEveryEndpointIsStale_failsOpenAndIsRouted() {
    // No engine answers: every endpoint lacks fresh metrics. That is a scrape outage, not overload:
    // the picker routes on its in-flight counts instead of shedding (saturation cases: SmartSchedulingTest).
    try (EnvoyStream s = picker.stream()) {
      s.send(post("/v1/completions", "x-gateway-inference-objective", "batch")).send(requestBody(COMPLETION, true));
      ProcessingResponse r = s.next();
      assertThat(r.hasImmediateResponse()).as("not refused: %s", r).isFalse();
      assertThat(ENDPOINTS).contains(setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(),
          "x-gateway-destination-endpoint"));
    }
    assertThat(picker.get("/metrics")).contains("loadfuse_picker_fail_open 1.0").containsPattern(
        "loadfuse_picker_fail_open_decisions_total [1-9]");
  }

  @Test
  void addedLatency_isRecordedForEveryRoutedRequest_andNotForRefusals() {
    long before = addedLatencyCount();
    try (EnvoyStream s = picker.stream()) {
      s.send(requestHeaders(true, ":method", "GET", ":path", "/v1/models"));
      assertThat(s.next().hasRequestHeaders()).isTrue();
    }
    try (EnvoyStream s = picker.stream()) {
      s.send(post("/v1/completions")).send(requestBody(COMPLETION, true));
      assertThat(s.next().hasRequestHeaders()).isTrue();
    }
    try (EnvoyStream s = picker.stream()) {
      s.send(post("/v1/completions")).send(requestBody("{\"prompt\":\"no model\"}", true));
      assertThat(s.next().getImmediateResponse().getStatus().getCodeValue()).isEqualTo(400);
    }
    assertThat(addedLatencyCount()).isEqualTo(before + 2);
  }

  private static long addedLatencyCount() {
    for (String line : picker.get("/metrics").split("\n")) {
      if (line.startsWith("loadfuse_picker_added_latency_seconds_count ")) {
        return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      }
    }
    throw new AssertionError("no loadfuse_picker_added_latency_seconds_count in /metrics");
  }
}
