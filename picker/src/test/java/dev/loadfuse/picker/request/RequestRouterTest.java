package dev.loadfuse.picker.request;

import static dev.loadfuse.picker.testing.TestEndpoints.NOW;
import static dev.loadfuse.picker.testing.TestEndpoints.STALE_MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.admission.FailOpen;
import dev.loadfuse.picker.candidate.StalenessPolicy;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.openai.Api;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.testing.HoldingGate;
import dev.loadfuse.picker.testing.TestClock;
import dev.loadfuse.picker.testing.TestConfigs;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Admission, the gate and scheduling on their own, over a real datastore and scheduler; no server. */
class RequestRouterTest {

  private final TestClock clock = new TestClock(NOW);
  private final PickerMetrics metrics = new PickerMetrics();
  private final AtomicInteger failOpenDecisions = new AtomicInteger();
  private final Datastore datastore = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000, clock);

  /** Endpoints at these addresses (port 8000) with these waiting counts, sampled now. */
  private void endpoints(String[] addresses, double... waiting) {
    List<Endpoint> eps = new ArrayList<>();
    for (int i = 0; i < addresses.length; i++) {
      eps.add(Endpoint.builder("ep-" + i, addresses[i], 8000, PoolRef.local("pool")).build());
    }
    datastore.setEndpoints(EndpointSet.of(eps.toArray(new Endpoint[0])));
    for (int i = 0; i < addresses.length; i++) {
      datastore.onVector(vector(addresses[i], waiting[i], NOW));
    }
  }

  private static LoadVector vector(String address, double waiting, long sampledAt) {
    return new LoadVector(new EndpointId("x", address, 8000, "pool"), "vllm", waiting, 0, 0.1, null, -1, -1, List.of(),
        sampledAt, List.of(), 0, true, false, null);
  }

  private RequestRouter router(String config, AdmissionGate gate) {
    PickerConfig c = config == null ? new ConfigLoader(InTreePlugins.registry()).defaults()
        : new ConfigLoader(InTreePlugins.registry()).load(config, "test.yaml");
    return new RequestRouter(datastore, new StalenessPolicy(STALE_MS), c.scheduler(metrics), c.saturationDetector(),
        new FailOpen(failOpenDecisions::incrementAndGet), gate, metrics, clock);
  }

  private static ParsedRequest request(int priority, boolean headerOnly, List<String> subset) {
    byte[] body = "{\"model\":\"m\",\"prompt\":\"p\"}".getBytes();
    return new ParsedRequest("r-1", null, Map.of(), Api.COMPLETIONS, headerOnly, "m", "m-target", priority,
        "default-flow", headerOnly ? new byte[0] : body, headerOnly ? 0 : body.length, false, "", "", "", false, subset != null,
        subset == null ? List.of() : subset);
  }

  private static ParsedRequest request() {
    return request(0, false, null);
  }

  /** Records the outcome. */
  private static final class Result implements RequestRouter.Outcome {
    Routed routed;
    RuntimeException refused;
    int calls;

    @Override
    public void routed(Routed r) {
      routed = r;
      calls++;
    }

    @Override
    public void refused(RuntimeException reason) {
      refused = reason;
      calls++;
    }
  }

  private Routed route(RequestRouter router, ParsedRequest r) {
    Result result = new Result();
    assertThat(router.route(r, result)).isSameAs(AdmissionGate.Wait.NONE);
    assertThat(result.calls).isEqualTo(1);
    if (result.refused != null) {
      throw result.refused;
    }
    return result.routed;
  }

  @Test
  void routesToTheShortestQueue_countsItInFlightUntilReleasedOnce() {
    endpoints(new String[] {"10.0.0.1", "10.0.0.2", "10.0.0.3"}, 5, 0, 3);
    Routed r = route(router(null, AdmissionGate.IMMEDIATE), request());
    assertThat(r.destination()).isEqualTo("10.0.0.2:8000");
    assertThat(r.targets()).extracting(v -> v.hostPort()).containsExactly("10.0.0.2:8000");
    assertThat(datastore.get("10.0.0.2:8000").inFlight()).isEqualTo(1);
    assertThat(datastore.get("10.0.0.2:8000").inFlightTokens()).isEqualTo((r.request().bodyLength() + 3) / 4);
    assertThat(metrics.scrape()).contains(
        "inference_objective_request_total{model_name=\"m\",priority=\"0\",target_model_name=\"m-target\"} 1.0",
        "llm_d_epp_request_total{fairness_id=\"default-flow\",model_name=\"m\",priority=\"0\",target_model_name=\"m-target\"} 1.0",
        "inference_objective_running_requests{model_name=\"m\"} 1.0");
    r.release();
    r.release();
    assertThat(r.released()).isTrue();
    assertThat(datastore.get("10.0.0.2:8000").inFlight()).isZero();
    assertThat(metrics.scrape()).contains("inference_objective_running_requests{model_name=\"m\"} 0.0");
    assertThat(failOpenDecisions).hasValue(0);
  }

  @Test
  void fallbacks_areCommaJoined_primaryFirst_ipv6Bracketed_onlyThePrimaryCounted() {
    endpoints(new String[] {"10.0.0.1", "fd00::1", "10.0.0.3"}, 2, 0, 1);
    Routed r = route(router(TestConfigs.QUEUE_THREE_ENDPOINTS, AdmissionGate.IMMEDIATE), request());
    assertThat(r.destination()).isEqualTo("[fd00::1]:8000,10.0.0.3:8000,10.0.0.1:8000");
    assertThat(datastore.get("[fd00::1]:8000").inFlight()).isEqualTo(1);
    assertThat(datastore.get("10.0.0.3:8000").inFlight()).isZero();
  }

  @Test
  void subsetHint_restrictsTheCandidates() {
    endpoints(new String[] {"10.0.0.1", "10.0.0.2"}, 0, 9);
    Routed r = route(router(null, AdmissionGate.IMMEDIATE), request(0, false, List.of("10.0.0.2")));
    assertThat(r.destination()).isEqualTo("10.0.0.2:8000");
  }

  @Test
  void subsetHint_emptyOrNamingNothingKnown_is503() {
    endpoints(new String[] {"10.0.0.1"}, 0);
    RequestRouter router = router(null, AdmissionGate.IMMEDIATE);
    assertThatThrownBy(() -> router.route(request(0, false, List.of()), new Result()))
        .isInstanceOfSatisfying(PickerException.class, e -> assertThat(e.body()).isEqualTo("inference error:"
            + " ServiceUnavailable - no endpoints in the subset hint (x-gateway-destination-endpoint-subset is empty)"));
    assertThatThrownBy(() -> router.route(request(0, false, List.of("10.9.9.9:80")), new Result()))
        .isInstanceOfSatisfying(PickerException.class, e -> assertThat(e.body()).isEqualTo("inference error:"
            + " ServiceUnavailable - none of the endpoints in the subset hint [10.9.9.9:80] is available"));
  }

  @Test
  void noEndpoints_is500ForAHeaderOnlyRequest_503Otherwise() {
    RequestRouter router = router(null, AdmissionGate.IMMEDIATE);
    assertThatThrownBy(() -> router.route(request(0, true, null), new Result()))
        .isInstanceOfSatisfying(PickerException.class, e -> assertThat(e.body())
            .isEqualTo("inference error: Internal - no pods available in datastore"));
    assertThatThrownBy(() -> router.route(request(), new Result()))
        .isInstanceOfSatisfying(PickerException.class, e -> assertThat(e.body()).isEqualTo(
            "inference error: ServiceUnavailable - failed to find candidate endpoints for serving the request"));
  }

  @Test
  void sheddableRequest_whileSaturated_is429_andCounted_othersGoThrough() {
    endpoints(new String[] {"10.0.0.1", "10.0.0.2"}, 10, 10); // queue 10 / threshold 5
    RequestRouter router = router(null, AdmissionGate.IMMEDIATE);
    assertThatThrownBy(() -> router.route(request(-1, false, null), new Result()))
        .isInstanceOfSatisfying(PickerException.class, e -> assertThat(e.body()).isEqualTo("inference error:"
            + " ResourceExhausted - request dropped: the pool is saturated and the request is sheddable"
            + " (priority -1)"));
    assertThat(metrics.scrape())
        .contains("loadfuse_picker_shed_requests_total{model_name=\"m\",target_model_name=\"m-target\"} 1.0");
    assertThat(route(router, request(0, false, null)).destination()).isNotNull();
  }

  @Test
  void theClockDecidesStaleness_everyEndpointStale_failsOpen_andSheddableRequestsGoThrough() {
    endpoints(new String[] {"10.0.0.1", "10.0.0.2"}, 4, 0);
    RequestRouter router = router(null, AdmissionGate.IMMEDIATE);
    // Still fresh for the picker (2 s), but older than the utilization-detector's 200 ms: counted saturated.
    clock.set(NOW + STALE_MS);
    assertThatThrownBy(() -> router.route(request(-1, false, null), new Result()))
        .hasMessageContaining("the pool is saturated");
    assertThat(route(router, request(0, false, null)).destination()).isEqualTo("10.0.0.2:8000");
    assertThat(failOpenDecisions).hasValue(0);

    // Every sample is now stale: route on the last known values (4 and 0 + 1 pick: saturation 0.5).
    clock.set(NOW + STALE_MS + 1);
    assertThat(route(router, request(-1, false, null)).destination()).isEqualTo("10.0.0.2:8000");
    assertThat(failOpenDecisions).hasValue(1);
  }

  @Test
  void everyEndpointFilteredOut_isRefusedThroughTheOutcome() {
    endpoints(new String[] {"10.0.0.1"}, 0);
    RequestRouter router = router("""
        apiVersion: inference.networking.x-k8s.io/v1alpha1
        kind: EndpointPickerConfig
        plugins:
        - {name: gpu-a100-only, type: by-label, parameters: {label: gpu, validValues: [a100]}}
        - type: max-score-picker
        """, AdmissionGate.IMMEDIATE);
    Result result = new Result();
    router.route(request(), result);
    assertThat(result.calls).isEqualTo(1);
    assertThat(result.refused).isInstanceOfSatisfying(PickerException.class, e -> assertThat(e.code())
        .isEqualTo(PickerException.Code.RESOURCE_EXHAUSTED));
    assertThat(datastore.get("10.0.0.1:8000").inFlight()).isZero();
  }

  @Test
  void aHoldingGate_delaysScheduling_untilItDispatches() {
    endpoints(new String[] {"10.0.0.1", "10.0.0.2"}, 3, 1);
    HoldingGate gate = new HoldingGate();
    RequestRouter router = router(null, gate);
    Result result = new Result();
    AdmissionGate.Wait wait = router.route(request(-2, false, null), result);
    assertThat(result.calls).isZero();
    assertThat(gate.held).hasSize(1);
    AdmissionGate.Ticket ticket = gate.held.getFirst();
    assertThat(ticket.request().priority()).isEqualTo(-2);
    assertThat(ticket.request().targetModel()).isEqualTo("m-target");
    assertThat(datastore.get("10.0.0.2:8000").inFlight()).isZero();

    ticket.dispatch();
    assertThat(result.calls).isEqualTo(1);
    assertThat(result.routed.destination()).isEqualTo("10.0.0.2:8000");
    assertThat(datastore.get("10.0.0.2:8000").inFlight()).isEqualTo(1);
    ticket.dispatch(); // a second answer is ignored
    ticket.reject(new PickerException(PickerException.Code.RESOURCE_EXHAUSTED, "late"));
    assertThat(result.calls).isEqualTo(1);
    assertThat(datastore.get("10.0.0.2:8000").inFlight()).isEqualTo(1);
    wait.cancel();
    assertThat(gate.cancelled).isEqualTo(1);
  }

  @Test
  void aGateMayRefuse_aHeldRequest() {
    endpoints(new String[] {"10.0.0.1"}, 0);
    HoldingGate gate = new HoldingGate();
    Result result = new Result();
    router(null, gate).route(request(), result);
    PickerException full = new PickerException(PickerException.Code.RESOURCE_EXHAUSTED, "queue full");
    gate.held.getFirst().reject(full);
    gate.held.getFirst().dispatch();
    assertThat(result.calls).isEqualTo(1);
    assertThat(result.refused).isSameAs(full);
    assertThat(datastore.get("10.0.0.1:8000").inFlight()).isZero();
  }
}
