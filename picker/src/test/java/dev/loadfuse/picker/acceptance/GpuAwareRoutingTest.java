package dev.loadfuse.picker.acceptance;

import static dev.loadfuse.picker.testing.EnvoyStream.post;
import static dev.loadfuse.picker.testing.EnvoyStream.requestBody;
import static dev.loadfuse.picker.testing.EnvoyStream.setHeader;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.common.testing.Closing;
import dev.loadfuse.common.testing.Http;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.routing.ObjectsFile;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.server.PickerServer;
import dev.loadfuse.picker.server.PickerOptions;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.TestEndpoints;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadBus;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.api.cluster.ClusterSettings;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * GPU-aware routing and fail-open end to end: load vectors as remote sidecars publish them on the
 * event bus ({@code inference.load.v1}, real codecs), the picker in cluster-style mode (endpoints
 * from the vectors), requests through the real ext_proc server with grpc-java.
 */
class GpuAwareRoutingTest {

  private static final Path EXAMPLES = Path.of(System.getProperty("loadfuse.configExamples", "../config-examples"));

  private Vertx vertx;
  private PickerServer picker;
  private ManagedChannel channel;

  private void start(PickerConfig config, Duration staleness) throws Exception {
    vertx = Vertx.vertx();
    // Vectors from "remote sidecars" (this test publishes them on the bus), TLS off.
    PickerOptions settings = new PickerOptions().setConfig(config)
        .setRouting(ObjectsFile.parse("""
            apiVersion: inference.networking.x-k8s.io/v1alpha2
            kind: InferenceObjective
            metadata: {name: batch}
            spec: {priority: -1}
            """, "test objects", null))
        .setClusterSettings(ClusterSettings.NONE.withCluster(true)).setRouteToAnnouncedEndpoints(true).setSecureServing(false).setExtProcServers(1).setEphemeralPorts();
    if (staleness != null) {
      settings.setMetricsStalenessThreshold(staleness);
    }
    picker = PickerServer.start(vertx, settings).await(30, TimeUnit.SECONDS);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", picker.grpcPort()).usePlaintext().build();
    LoadBus.install(vertx);
  }

  @AfterEach
  void stop() throws Exception {
    Closing.ifOpen(channel, c -> c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    Closing.all(picker);
    Closing.ifOpen(vertx, v -> v.close().await(20, TimeUnit.SECONDS));
  }

  @Test
  void gpuHealthFilterAndScorers_fromTheExampleConfig() throws Exception {
    start(new ConfigLoader(InTreePlugins.registry()).loadFile(EXAMPLES.resolve("epc-gpu-aware.yaml")),
        Duration.ofSeconds(30));
    long now = System.currentTimeMillis();
    publish(vector(0, now, TestEndpoints.gpu(0, 0.9, 0.0).throttleReasonBits(0x40).build())); // idle, but thermally throttled
    publish(vector(1, now, TestEndpoints.gpu(1, 0.7, 0.2).build()));
    publish(vector(2, now, TestEndpoints.gpu(2, 0.2, 0.9).build()));
    publish(vector(3, now)); // no GPU readings: neutral
    awaitEndpoints(4);

    // B: memory 0.7 + idle 0.8; no GPU data: 0.5 + 0.5; C: 0.2 + 0.1. The throttled one is filtered out.
    assertThat(route()).isEqualTo(host(1) + "," + host(3));

    publish(vector(1, System.currentTimeMillis(), TestEndpoints.gpu(1, 0.7, 0.2).temperatureC(95).build()));
    Await.until("hot GPU seen", () -> picker.datastore().get(host(1)).vector().gpus().getFirst().temperatureC().getAsInt() == 95);
    assertThat(route()).isEqualTo(host(3) + "," + host(2));

    assertThat(scrape()).contains(
        "loadfuse_picker_endpoints_filtered_total{filter=\"gpu-health-filter\",filter_type=\"gpu-health-filter\",reason=\"throttled\"} 2.0",
        "loadfuse_picker_endpoints_filtered_total{filter=\"gpu-health-filter\",filter_type=\"gpu-health-filter\",reason=\"temperature\"} 1.0",
        "inference_extension_plugin_duration_seconds_count{extension_point=\"Filter\",plugin_name=\"gpu-health-filter\",plugin_type=\"gpu-health-filter\"} 2",
        // Vectors mode names no pool (a pool name means Kubernetes mode, as --pool-name does).
        "inference_pool_ready_pods{name=\"\"} 4.0");
  }

  @Test
  void everyEndpointStale_failsOpen_routesOnLastKnownValuesAndInFlightCounts() throws Exception {
    start(new ConfigLoader(InTreePlugins.registry()).defaults(), Duration.ofSeconds(2));
    long longAgo = System.currentTimeMillis() - 60_000; // a scrape outage: the last samples are a minute old
    publish(vectorWithQueue(0, 0, 0.2, longAgo));
    publish(vectorWithQueue(1, 4, 0.3, longAgo));
    awaitEndpoints(2);

    // Sheddable requests are not refused for want of fresh data; picks stay in flight and add up.
    List<EnvoyStream> open = new ArrayList<>();
    List<String> picks = new ArrayList<>();
    try {
      for (int i = 0; i < 6; i++) {
        EnvoyStream s = new EnvoyStream(channel);
        open.add(s);
        s.send(post("/v1/completions", "x-gateway-inference-objective", "batch"))
            .send(requestBody("{\"model\":\"m\",\"prompt\":\"Hello\"}", true));
        ProcessingResponse r = s.next();
        assertThat(r.hasImmediateResponse()).as("routed, not refused: %s", r).isFalse();
        picks.add(setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(), "x-gateway-destination-endpoint"));
      }
    } finally {
      open.forEach(EnvoyStream::cancel);
    }
    // Routed on the last known values plus the picks in flight (default profile: queue 2, KV 2; no
    // prefix match). Queues 0+k and 4 (KV 0.2 and 0.3): the first four go to the emptier one, the
    // fifth too (equal queues, its last known KV is lower), the sixth to the other (queue 5 vs 4).
    assertThat(picks).containsExactly(host(0), host(0), host(0), host(0), host(0), host(1));
    assertThat(scrape()).contains("loadfuse_picker_fail_open 1.0", "loadfuse_picker_fail_open_decisions_total 6.0");

    // Fresh data for one endpoint ends the outage.
    publish(vectorWithQueue(1, 4, 0.3, System.currentTimeMillis()));
    Await.until("fresh vector", () -> picker.datastore().get(host(1)).vector().engineSampledAtMillis() > longAgo);
    assertThat(scrape()).contains("loadfuse_picker_fail_open 0.0");
  }

  // ---- helpers ----

  private static EndpointId id(int i) {
    return new EndpointId("gpu-ep-" + i, "10.1.0." + (i + 1), 8000, "gpu-pool");
  }

  private static String host(int i) {
    return id(i).hostPort();
  }

  private static LoadVector vectorWithQueue(int i, double waiting, double kv, long sampledAt) {
    return new LoadVector(id(i), "vllm", waiting, 0, kv, null, -1, -1, List.of(), sampledAt, List.of(), 0, true, false, null);
  }

  private static LoadVector vector(int i, long sampledAt, GpuSample... gpus) {
    LoadVector v = vectorWithQueue(i, 0, 0.2, sampledAt);
    return gpus.length == 0 ? v : v.withGpus(List.of(gpus), sampledAt);
  }

  private void publish(LoadVector v) {
    vertx.eventBus().publish(LoadBus.LOAD.name(), v);
  }

  private void awaitEndpoints(int n) {
    Await.until(n + " endpoints from the bus", () -> picker.datastore().routable().length == n);
  }

  /** One header-only request; returns the destination header (primary, fallbacks). */
  private String route() {
    try (EnvoyStream s = new EnvoyStream(channel)) {
      s.send(post("/v1/completions")).send(requestBody("{\"model\":\"m\",\"prompt\":\"Hello\"}", true));
      ProcessingResponse r = s.next();
      assertThat(r.hasImmediateResponse()).as("routed: %s", r).isFalse();
      String dest = setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(), "x-gateway-destination-endpoint");
      s.cancel();
      return dest;
    }
  }

  private String scrape() throws Exception {
    return Http.get("http://127.0.0.1:" + picker.metricsPort() + "/metrics");
  }
}
