package dev.loadfuse.picker.extproc;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.requestTrailers;
import static dev.loadfuse.picker.testing.EnvoyStream.responseBody;
import static dev.loadfuse.picker.testing.EnvoyStream.responseHeaders;
import static dev.loadfuse.picker.testing.EnvoyStream.setHeader;
import static dev.loadfuse.picker.testing.TestEndpoints.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.admission.FailOpen;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.testing.HoldingGate;
import dev.loadfuse.picker.testing.TestClock;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.vertx.grpc.common.InvalidMessagePayloadException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The ext_proc stream as a state machine, driven message by message without a server, with an
 * admission gate that holds requests: the routing answer comes when the gate lets the request go,
 * and a client that goes away meanwhile takes its request out of the gate.
 */
class ExtProcStreamTest {

  private static final String COMPLETION = "{\"model\":\"m\",\"prompt\":\"hello\"}";

  private final HoldingGate gate = new HoldingGate();
  private final RecordedSink sink = new RecordedSink();
  private final PickerMetrics metrics = new PickerMetrics();
  private final Datastore datastore = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000);
  private final ExtProcContext ctx;
  private final ExtProcStream stream;

  ExtProcStreamTest() {
    datastore.setEndpoints(EndpointSet.of(Endpoint.builder("a", "10.0.0.1", 8000, PoolRef.local("pool")).build()));
    datastore.onVector(new LoadVector(new EndpointId("a", "10.0.0.1", 8000, "pool"), "vllm", 0, 0, 0.1, null, -1, -1,
        List.of(), NOW, List.of(), 0, true, false, null));
    PickerConfig config = new ConfigLoader(InTreePlugins.registry()).defaults();
    ctx = new ExtProcContext(datastore, config.scheduler(metrics), null, metrics,
        config.saturationDetector(), new FailOpen(null), 1 << 20, 2_000, gate, new TestClock(NOW));
    stream = new ExtProcStream(ctx, sink, StreamTimers.NONE);
  }

  private EndpointState endpoint() {
    return datastore.get("10.0.0.1:8000");
  }

  @Test
  void heldRequest_isAnsweredWhenTheGateLetsItGo() {
    stream.onMessage(post("/v1/completions"));
    stream.onMessage(requestBody(COMPLETION, true));
    assertThat(gate.held).hasSize(1);
    assertThat(sink.sent).isEmpty();
    assertThat(endpoint().inFlight()).isZero();
    assertThat(gate.held.getFirst().request().model()).isEqualTo("m");

    gate.held.getFirst().dispatch();
    assertThat(sink.sent).hasSize(2);
    assertThat(setHeader(sink.sent.get(0).getRequestHeaders().getResponse().getHeaderMutation(),
        "x-gateway-destination-endpoint")).isEqualTo("10.0.0.1:8000");
    assertThat(sink.sent.get(1).getRequestBody().getResponse().getBodyMutation().getStreamedResponse().getBody()
        .toStringUtf8()).isEqualTo(COMPLETION);
    assertThat(endpoint().inFlight()).isEqualTo(1);
    assertThat(metrics.scrape()).contains("loadfuse_picker_added_latency_seconds_count 1\n");

    // The response ends: the request stops counting.
    stream.onMessage(responseHeaders(false, ":status", "200"));
    stream.onMessage(responseBody("{}", true));
    assertThat(endpoint().inFlight()).isZero();
    stream.onClientEnd();
    assertThat(sink.ended).isEqualTo(1);
    assertThat(gate.cancelled).isZero();
  }

  @Test
  void trailersWhileHeld_areAnsweredAfterTheRoutingAnswer() {
    stream.onMessage(post("/v1/completions"));
    stream.onMessage(requestBody(COMPLETION, false));
    stream.onMessage(requestTrailers());
    assertThat(sink.sent).isEmpty();
    gate.held.getFirst().dispatch();
    assertThat(sink.sent).hasSize(3);
    assertThat(sink.sent.get(0).hasRequestHeaders()).isTrue();
    assertThat(sink.sent.get(1).getRequestBody().getResponse().getBodyMutation().getStreamedResponse()
        .getEndOfStream()).isFalse();
    assertThat(sink.sent.get(2).hasRequestTrailers()).isTrue();
  }

  @Test
  void streamBrokenWhileHeld_leavesTheGate_andALateDispatchCountsNothing() {
    stream.onMessage(post("/v1/completions"));
    stream.onMessage(requestBody(COMPLETION, true));
    stream.onBroken();
    assertThat(gate.cancelled).isEqualTo(1);
    gate.held.getFirst().dispatch(); // a gate that answers anyway
    assertThat(sink.sent).isEmpty();
    assertThat(endpoint().inFlight()).isZero();
    assertThat(sink.ended).isZero();
    stream.onMessage(responseHeaders(true, ":status", "200"));
    assertThat(sink.sent).isEmpty();
  }

  @Test
  void clientEndWhileHeld_leavesTheGate_andEndsTheStream() {
    stream.onMessage(post("/v1/completions"));
    stream.onMessage(requestBody(COMPLETION, true));
    stream.onClientEnd();
    assertThat(gate.cancelled).isEqualTo(1);
    assertThat(sink.ended).isEqualTo(1);
    stream.onClientEnd();
    assertThat(gate.cancelled).isEqualTo(1);
    assertThat(sink.ended).isEqualTo(1);
  }

  @Test
  void gateRefusal_becomesTheImmediateResponse_andEndsTheStream() {
    stream.onMessage(post("/v1/completions"));
    stream.onMessage(requestBody(COMPLETION, true));
    gate.held.getFirst().reject(new PickerException(PickerException.Code.RESOURCE_EXHAUSTED, "queue full"));
    assertThat(sink.sent).singleElement().satisfies(r -> {
      assertThat(r.getImmediateResponse().getStatus().getCodeValue()).isEqualTo(429);
      assertThat(r.getImmediateResponse().getBody().toStringUtf8())
          .isEqualTo("inference error: ResourceExhausted - queue full");
    });
    assertThat(sink.ended).isEqualTo(1);
    assertThat(gate.cancelled).isZero();
    assertThat(metrics.scrape()).contains("inference_objective_request_error_total{error_code=\"ResourceExhausted\","
        + "model_name=\"m\",target_model_name=\"m\"} 1.0");
  }

  @Test
  void invalidMessageWhileHeld_refusesTheRequest_andLeavesTheGate() {
    stream.onMessage(post("/v1/completions"));
    stream.onMessage(requestBody(COMPLETION, true));
    stream.refuse(ExtProcService.invalid(new InvalidMessagePayloadException(null, new java.io.IOException("truncated")),
        ctx, ExtProcService.maxMessageBytes(ctx)));
    assertThat(gate.cancelled).isEqualTo(1);
    assertThat(sink.sent).singleElement().satisfies(r -> assertThat(r.getImmediateResponse().getBody().toStringUtf8())
        .isEqualTo("inference error: BadRequest - undecodable ext_proc message: truncated"));
    gate.held.getFirst().dispatch();
    assertThat(sink.sent).hasSize(1);
    assertThat(endpoint().inFlight()).isZero();
  }
}
