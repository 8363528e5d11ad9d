package dev.loadfuse.picker.extproc;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.requestHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.withSubset;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.PickerFixture;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every row of the reference's error table, through the real server, as Envoy sends it. */
class ErrorTableTest {

  private static final String FILTER_ALL = """
      apiVersion: inference.networking.x-k8s.io/v1alpha1
      kind: EndpointPickerConfig
      plugins:
      - {name: gpu-a100-only, type: by-label, parameters: {label: gpu, validValues: [a100]}}
      - type: queue-scorer
      """;

  static PickerFixture main;
  static PickerFixture empty;
  static PickerFixture filtered;
  static PickerFixture small;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("picker-errors");
    String two = PickerFixture.entry("a", "127.0.0.1", 1) + PickerFixture.entry("b", "127.0.0.2", 1);
    main = PickerFixture.start(Files.createDirectories(dir.resolve("main")), two);
    empty = PickerFixture.start(Files.createDirectories(dir.resolve("empty")), "");
    filtered = PickerFixture.start(Files.createDirectories(dir.resolve("filtered")), two, FILTER_ALL, null, s -> s);
    small = PickerFixture.start(Files.createDirectories(dir.resolve("small")), two, null, null, s -> s.setMaxBodyBytes(1000));
  }

  @AfterAll
  static void stop() throws Exception {
    for (PickerFixture f : new PickerFixture[] {main, empty, filtered, small}) {
      if (f != null) {
        f.close();
      }
    }
  }

  static PickerFixture fixture(String name) {
    return switch (name) {
      case "main" -> main;
      case "empty" -> empty;
      case "filtered" -> filtered;
      case "small" -> small;
      default -> throw new IllegalArgumentException(name);
    };
  }

  static Stream<Arguments> table() {
    String big = "{\"model\":\"m\",\"prompt\":\"" + "x".repeat(2000) + "\"}";
    return Stream.of(
        Arguments.of("invalid JSON", "main", List.of(post("/v1/completions"), requestBody("{\"model\": \"m\", ", true)),
            400, "inference error: BadRequest - error unmarshaling request body: "),
        Arguments.of("not an object", "main", List.of(post("/v1/completions"), requestBody("[1,2]", true)),
            400, "inference error: BadRequest - error unmarshaling request body: expected a JSON object"),
        Arguments.of("missing model", "main", List.of(post("/v1/completions"), requestBody("{\"prompt\":\"hi\"}", true)),
            400, "inference error: BadRequest - model not found in request body"),
        Arguments.of("model not a string", "main", List.of(post("/v1/completions"), requestBody("{\"model\":1,\"prompt\":\"hi\"}", true)),
            400, "inference error: BadRequest - model not found in request body"),
        Arguments.of("completions without prompt", "main", List.of(post("/v1/completions"), requestBody("{\"model\":\"m\"}", true)),
            400, "inference error: BadRequest - invalid completions request: must have prompt field"),
        Arguments.of("chat without messages", "main", List.of(post("/v1/chat/completions"), requestBody("{\"model\":\"m\"}", true)),
            400, "inference error: BadRequest - invalid chat completions request: must have valid messages field"),
        Arguments.of("chat with empty messages", "main", List.of(post("/v1/chat/completions"), requestBody("{\"model\":\"m\",\"messages\":[]}", true)),
            400, "inference error: BadRequest - invalid chat completions request: must have valid messages field"),
        Arguments.of("responses without input", "main", List.of(post("/v1/responses"), requestBody("{\"model\":\"m\"}", true)),
            400, "inference error: BadRequest - invalid responses request: must have input field"),
        Arguments.of("embeddings without input", "main", List.of(post("/v1/embeddings"), requestBody("{\"model\":\"m\",\"input\":null}", true)),
            400, "inference error: BadRequest - invalid embeddings request: must have input field"),
        Arguments.of("header-only, no endpoints", "empty", List.of(requestHeaders(true, ":method", "GET", ":path", "/v1/models")),
            500, "inference error: Internal - no pods available in datastore"),
        Arguments.of("body, no endpoints", "empty", List.of(post("/v1/completions"), requestBody("{\"model\":\"m\",\"prompt\":\"p\"}", true)),
            503, "inference error: ServiceUnavailable - failed to find candidate endpoints for serving the request"),
        Arguments.of("empty subset", "main", List.of(withSubset(post("/v1/completions")), requestBody("{\"model\":\"m\",\"prompt\":\"p\"}", true)),
            503, "inference error: ServiceUnavailable - no endpoints in the subset hint (x-gateway-destination-endpoint-subset is empty)"),
        Arguments.of("subset of unknown endpoints", "main", List.of(withSubset(post("/v1/completions"), "10.9.9.9:80"), requestBody("{\"model\":\"m\",\"prompt\":\"p\"}", true)),
            503, "inference error: ServiceUnavailable - none of the endpoints in the subset hint [10.9.9.9:80] is available"),
        Arguments.of("all filtered", "filtered", List.of(post("/v1/completions"), requestBody("{\"model\":\"m\",\"prompt\":\"p\"}", true)),
            429, "inference error: ResourceExhausted - failed to find a target endpoint: filter gpu-a100-only (by-label) left no endpoint (profile default)"),
        Arguments.of("body too large", "small", List.of(post("/v1/completions"), requestBody(big.substring(0, 600), false), requestBody(big.substring(600), true)),
            413, "inference error: PayloadTooLarge - request body larger than 1000 bytes"),
        Arguments.of("empty ext_proc message", "main", List.of(ProcessingRequest.getDefaultInstance()),
            400, "inference error: BadRequest - ext_proc message without request_headers"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void errorBecomesImmediateResponse(String name, String fixture, List<ProcessingRequest> messages, int status, String body) {
    try (EnvoyStream s = fixture(fixture).stream()) {
      ProcessingResponse r = null;
      for (ProcessingRequest m : messages) {
        s.send(m);
      }
      r = s.next();
      assertThat(r.hasImmediateResponse()).as("immediate response, got %s", r).isTrue();
      ImmediateResponse ir = r.getImmediateResponse();
      assertThat(ir.getStatus().getCodeValue()).isEqualTo(status);
      assertThat(ir.getBody().toStringUtf8()).startsWith(body);
      assertThat(s.awaitEnd()).isEqualTo(Status.OK);
    }
  }

  @Test
  void afterErrors_theServerStillRoutes() {
    try (EnvoyStream s = main.stream()) {
      s.send(post("/v1/completions")).send(requestBody("{", true));
      assertThat(s.next().hasImmediateResponse()).isTrue();
    }
    try (EnvoyStream s = main.stream()) {
      s.send(requestHeaders(true, ":path", "/v1/models"));
      assertThat(s.next().hasRequestHeaders()).isTrue();
    }
    assertThat(main.get("/metrics")).contains("inference_objective_request_error_total{error_code=\"BadRequest\"");
  }
}
