package dev.loadfuse.picker.flowcontrol;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.responseHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.setHeader;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.common.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.FakeEngineServer;
import dev.loadfuse.picker.testing.FakeEngineServer.Format;
import dev.loadfuse.picker.testing.PickerFixture;
import io.envoyproxy.envoy.service.ext_proc.v3.ImmediateResponse;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Flow control over the real ext_proc server: one engine that takes one request at a time (the
 * concurrency detector's {@code maxConcurrency: 1}, judged from the picker's own in-flight counts,
 * so the test does not wait for scrapes). Requests wait, leave in priority order as responses end,
 * expire with the router's answer, and leave their queue when their client goes.
 */
class FlowControlEndToEndTest {

  private static final String CONFIG = """
      apiVersion: llm-d.ai/v1alpha1
      kind: EndpointPickerConfig
      featureGates: [flowControl]
      plugins:
      - {type: concurrency-detector, parameters: {maxConcurrency: 1}}
      - {type: queue-scorer}
      - {type: max-score-picker}
      schedulingProfiles:
      - name: default
        plugins: [{pluginRef: queue-scorer}, {pluginRef: max-score-picker}]
      saturationDetector: {pluginRef: concurrency-detector}
      flowControl:
        defaultRequestTTL: 2s
        priorityBands:
        - {priority: 0, fairnessPolicyRef: round-robin-fairness-policy}
      """;
  private static final String OBJECTS = """
      apiVersion: inference.networking.x-k8s.io/v1alpha2
      kind: InferenceObjective
      metadata: {name: critical}
      spec: {priority: 10}
      """;

  static Vertx engines;
  static FakeEngineServer engine;
  static PickerFixture picker;

  @BeforeAll
  static void start() throws Exception {
    engines = Vertx.vertx();
    engine = FakeEngineServer.start(engines, Format.VLLM);
    Path dir = Files.createTempDirectory("flow-control");
    picker = PickerFixture.start(dir, engine.endpointEntry("only"), CONFIG, OBJECTS, s -> s);
  }

  @AfterAll
  static void stop() throws Exception {
    picker.close();
    engines.close().await(20, TimeUnit.SECONDS);
  }

  private static FlowController flow() {
    return picker.server.flowControl();
  }

  /** Sends a completion's headers and body; returns the open stream. */
  private static EnvoyStream send(String... headers) {
    EnvoyStream s = picker.stream();
    s.send(post("/v1/completions", headers)).send(requestBody("{\"model\":\"m\",\"prompt\":\"hi\"}", true));
    return s;
  }

  /** Waits for the routing answer and the body, then ends the response: the request is done. */
  private static String finish(EnvoyStream s) {
    ProcessingResponse r = s.next();
    assertThat(r.hasImmediateResponse()).as("routed: %s", r).isFalse();
    String dest = setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(), "x-gateway-destination-endpoint");
    s.untilRequestBodyEnd();
    s.send(responseHeaders(true, ":status", "200"));
    s.next();
    s.close();
    return dest;
  }

  @Test
  void requestsWait_thenLeaveByPriority_asResponsesEnd() {
    try (EnvoyStream first = send("x-gateway-inference-fairness-id", "tenant-a")) {
      ProcessingResponse routed = first.next(); // the pool had room: routed at once
      assertThat(routed.hasRequestHeaders()).isTrue();
      assertThat(routed.getRequestHeaders().getResponse().getHeaderMutation().getRemoveHeadersList())
          .as("control headers do not reach the engine").contains("x-gateway-inference-fairness-id");
      first.untilRequestBodyEnd();

      EnvoyStream standard = send("x-gateway-inference-fairness-id", "tenant-b");
      EnvoyStream critical = send("x-gateway-inference-objective", "critical");
      Await.until("both waiting", () -> flow().queuedRequests() == 2);
      assertThat(standard.drain()).isEmpty();
      assertThat(critical.drain()).isEmpty();

      first.send(responseHeaders(true, ":status", "200"));
      first.next();
      // The first response ended: the critical request goes, the standard one still waits.
      assertThat(finish(critical)).isEqualTo("127.0.0.1:" + engine.port());
      assertThat(finish(standard)).isEqualTo("127.0.0.1:" + engine.port());
      Await.until("nothing waits", () -> flow().queuedRequests() == 0);
    }
    assertThat(picker.get("/metrics")).contains(
        "llm_d_epp_flow_control_requests_total{inference_pool=\"test-pool\",outcome=\"Dispatched\",priority=\"10\"} 1.0",
        "inference_extension_flow_control_request_queue_duration_seconds_bucket{fairness_id=\"tenant-b\"",
        "inference_extension_flow_control_queue_size{fairness_id=\"tenant-b\"",
        "inference_extension_flow_control_request_enqueue_duration_seconds_bucket{fairness_id=",
        "outcome=\"NotYetFinalized\"",
        "llm_d_epp_flow_control_request_enqueue_duration_seconds_count{fairness_id=",
        "inference_extension_flow_control_dispatch_cycle_duration_seconds_bucket{le=",
        "llm_d_epp_flow_control_dispatch_cycle_duration_seconds_count");
  }

  @Test
  void aRequestPastItsTtl_getsTheRoutersAnswer_andACancelledOneLeavesItsQueue() {
    try (EnvoyStream holder = send()) {
      holder.next();
      holder.untilRequestBodyEnd();

      EnvoyStream gone = send("x-gateway-inference-fairness-id", "leaves");
      Await.until("waiting", () -> flow().queuedRequests() == 1);
      gone.cancel();
      Await.until("the cancelled request left its queue", () -> flow().queuedRequests() == 0);

      try (EnvoyStream late = send()) {
        ProcessingResponse r = late.next(); // after the 2 s TTL
        assertThat(r.hasImmediateResponse()).isTrue();
        ImmediateResponse ir = r.getImmediateResponse();
        assertThat(ir.getStatus().getCodeValue()).isEqualTo(429);
        assertThat(ir.getBody().toStringUtf8()).endsWith(
            "request timed out in queue: request evicted from queue: request TTL expired");
        assertThat(setHeader(ir.getHeaders(), "x-llm-d-request-dropped-reason")).isEqualTo("rejected-ttl-expired");
      }
      holder.send(responseHeaders(true, ":status", "200"));
      holder.next();
    }
    assertThat(picker.get("/metrics")).contains("outcome=\"EvictedTTL\"", "outcome=\"EvictedContextCancelled\"");
  }
}
