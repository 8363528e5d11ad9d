package dev.loadfuse.picker.extproc;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.setHeader;
import static dev.loadfuse.picker.testing.TestEndpoints.NOW;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.admission.FailOpen;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.testing.TestClock;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Issue 14, finding 5: an engine flapping up and down, the least loaded whenever it is up, gets no
 * request while its sidecar reports it down; when every engine is down the picker fails open and
 * says so.
 */
class UnhealthyEndpointsTest {

  private static final EndpointId BUSY = new EndpointId("busy", "10.0.0.1", 8000, "pool");
  private static final EndpointId FLAPPING = new EndpointId("flapping", "10.0.0.2", 8000, "pool");

  private final Datastore datastore = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000);
  private final ExtProcContext ctx;

  UnhealthyEndpointsTest() {
    datastore.setEndpoints(EndpointSet.of(
        Endpoint.builder("busy", "10.0.0.1", 8000, PoolRef.local("pool")).build(),
        Endpoint.builder("flapping", "10.0.0.2", 8000, PoolRef.local("pool")).build()));
    PickerMetrics metrics = new PickerMetrics();
    PickerConfig config = new ConfigLoader(InTreePlugins.registry()).defaults();
    ctx = new ExtProcContext(datastore, config.scheduler(metrics), null, metrics, config.saturationDetector(),
        new FailOpen(null), 1 << 20, 2_000, AdmissionGate.IMMEDIATE, new TestClock(NOW), new ExtProcLimits(),
        RequestOptions.DEFAULT);
  }

  private static LoadVector vector(EndpointId id, double waiting, boolean healthy) {
    return new LoadVector(id, "vllm", waiting, 0, 0.1, null, -1, -1, List.of(), NOW, List.of(), 0, healthy, false,
        healthy ? null : "GET http://" + id.hostPort() + "/metrics: Connection refused");
  }

  private String route() {
    RecordedSink sink = new RecordedSink();
    ExtProcStream s = new ExtProcStream(ctx, sink, StreamTimers.NONE);
    s.onMessage(post("/v1/completions"));
    s.onMessage(requestBody("{\"model\":\"m\",\"prompt\":\"hi\"}", true));
    s.onClientEnd();
    return setHeader(sink.sent.getFirst().getRequestHeaders().getResponse().getHeaderMutation(),
        "x-gateway-destination-endpoint");
  }

  @Test
  void flappingEngine_getsNoRequestWhileReportedDown() {
    datastore.onVector(vector(BUSY, 20, true));
    List<String> whileDown = new ArrayList<>();
    List<String> whileUp = new ArrayList<>();
    for (int cycle = 0; cycle < 5; cycle++) {
      datastore.onVector(vector(FLAPPING, 0, false)); // down: its last known load is the lowest
      for (int i = 0; i < 4; i++) {
        whileDown.add(route());
      }
      datastore.onVector(vector(FLAPPING, 0, true));
      whileUp.add(route());
    }
    assertThat(whileDown).hasSize(20).containsOnly("10.0.0.1:8000");
    assertThat(whileUp).containsOnly("10.0.0.2:8000");
    assertThat(datastore.routingToUnhealthy()).isFalse();
  }

  @Test
  void everyEngineDown_failsOpenToThem_andSaysSo() {
    datastore.onVector(vector(BUSY, 20, false));
    datastore.onVector(vector(FLAPPING, 0, false));
    assertThat(datastore.routingToUnhealthy()).isTrue();
    assertThat(route()).isEqualTo("10.0.0.2:8000");
    datastore.onVector(vector(BUSY, 20, true));
    assertThat(datastore.routingToUnhealthy()).isFalse();
    assertThat(route()).isEqualTo("10.0.0.1:8000");
  }
}
