package dev.loadfuse.picker.plugins.response.servedverifier;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.responseHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.setHeader;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.PickerFixture;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingRequest;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code destination-endpoint-served-verifier}: the reference's cases, then the GIE conformance config over ext_proc. */
class DestinationEndpointServedVerifierTest {

  static Stream<Arguments> metadata() {
    return Stream.of(
        Arguments.of("served endpoint", Map.of("envoy.lb", Map.of("x-gateway-destination-endpoint-served", "10.0.0.2:8000")),
            "10.0.0.2:8000"),
        Arguments.of("no envoy.lb", Map.of(), "fail: missing envoy lb metadata"),
        Arguments.of("envoy.lb without the key", Map.of("envoy.lb", Map.of("other", "x")),
            "fail: missing destination endpoint served metadata"),
        Arguments.of("not a string", Map.of("envoy.lb", Map.of("x-gateway-destination-endpoint-served", 7.0)),
            "fail: missing destination endpoint served metadata"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("metadata")
  void theServedEndpoint_orTheFailure_goesToTheResponseHeader(String name, Map<String, Map<String, Object>> metadata,
      String expected) {
    Map<String, String> set = new HashMap<>();
    new DestinationEndpointServedVerifier("v").responseHeader(null, null, metadata, set::put);
    assertThat(set).containsExactly(Map.entry("x-conformance-test-served-endpoint", expected));
  }

  private static final String CONFORMANCE_CONFIG = """
      apiVersion: inference.networking.x-k8s.io/v1alpha1
      kind: EndpointPickerConfig
      plugins:
      - type: header-based-testing-filter
      - type: destination-endpoint-served-verifier
      schedulingProfiles:
      - name: conformance-profile
        plugins:
        - pluginRef: header-based-testing-filter
      """;

  @Test
  void theConformanceConfig_routesByTheTestHeader_andReportsTheServedEndpoint(@TempDir Path dir) throws Exception {
    String endpoints = PickerFixture.entry("a", "127.0.0.1", 8000) + PickerFixture.entry("b", "127.0.0.2", 8000);
    try (PickerFixture p = PickerFixture.start(dir, endpoints, CONFORMANCE_CONFIG, null, o -> o);
        EnvoyStream s = p.stream()) {
      s.send(post("/v1/completions", "test-epp-endpoint-selection", "127.0.0.2"))
          .send(requestBody("{\"model\":\"m\",\"prompt\":\"p\"}", true));
      assertThat(setHeader(s.next().getRequestHeaders().getResponse().getHeaderMutation(),
          "x-gateway-destination-endpoint")).isEqualTo("127.0.0.2:8000");
      s.untilRequestBodyEnd();
      ProcessingRequest served = responseHeaders(false, ":status", "200").toBuilder()
          .setMetadataContext(Metadata.newBuilder().putFilterMetadata("envoy.lb", Struct.newBuilder()
              .putFields("x-gateway-destination-endpoint-served", Value.newBuilder().setStringValue("127.0.0.2:8000").build())
              .build()))
          .build();
      s.send(served);
      assertThat(setHeader(s.next().getResponseHeaders().getResponse().getHeaderMutation(),
          "x-conformance-test-served-endpoint")).isEqualTo("127.0.0.2:8000");
    }
  }
}
