package dev.loadfuse.picker.cli;

import static dev.loadfuse.picker.testing.MockApiServer.POOLS_V1;
import static dev.loadfuse.picker.testing.MockApiServer.pod;
import static dev.loadfuse.picker.testing.MockApiServer.v1Pool;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.kubernetes.LeaderElection;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.MockApiServer;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reference's install path, unchanged: the GIE v1.5 {@code inferencepool} Helm chart's
 * container arguments and gRPC probes (copied from its rendered Deployment) start {@code
 * picker.jar} against fabric8's mock API server holding an InferencePool and its pods, and the
 * probes report SERVING; with several replicas (leader election) exactly one picker is ready and a
 * follower takes over when the leader stops.
 */
class ReferenceInstallTest {

  private static final String NS = "llm";
  private static final String POOL = "vllm-llama3-8b-instruct";

  /** The chart's args for release {@value #POOL} in {@value #NS} (helm-rendered, YAML quotes removed). */
  private static final List<String> CHART_ARGS = List.of(
      "--pool-name", POOL,
      "--pool-namespace", NS,
      "--pool-group", "inference.networking.k8s.io",
      "--zap-encoder", "json",
      "--config-file", "/config/default-plugins.yaml",
      "--v", "1",
      "--tracing=false");
  /** The chart's default-plugins.yaml (its scheduling profile), as the reference-chart overlay ships it. */
  private static final Path CHART_CONFIG = Path.of(System.getProperty("loadfuse.k8s", "../k8s"))
      .resolve("overlays/reference-chart/default-plugins.yaml");
  /** {@code replicas > 1}: the chart adds this after the --config-file pair. */
  private static final String HA = "--ha-enable-leader-election";
  /** The chart's probes: gRPC on port 9003 with these service names. */
  private static final String SINGLE_REPLICA_PROBE = "inference-extension";
  private static final String LIVENESS_PROBE = "liveness";
  private static final String READINESS_PROBE = "readiness";

  @TempDir Path dir;
  private final MockApiServer api = new MockApiServer();
  private final List<RunningPicker> pickers = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (RunningPicker p : pickers) {
      p.stop();
    }
    api.close();
  }

  /**
   * The chart's args with the mounted config file and ephemeral ports (the one change: two pickers
   * share this machine), plus {@code extra}.
   */
  private RunningPicker start(String... extra) throws Exception {
    // The chart mounts its ConfigMap's default-plugins.yaml at /config.
    List<String> args = new ArrayList<>(CHART_ARGS.stream()
        .map(a -> a.equals("/config/default-plugins.yaml") ? CHART_CONFIG.toString() : a).toList());
    args.addAll(List.of("--grpc-port=0", "--grpc-health-port=0", "--metrics-port=0", "--gpu-probe=none"));
    args.addAll(List.of(extra));
    RunningPicker p = RunningPicker.start(api.client, args.toArray(String[]::new));
    pickers.add(p);
    return p;
  }

  private void createPool() {
    api.create(POOLS_V1, v1Pool(NS, POOL, Map.of("app", "vllm-llama3-8b-instruct"), List.of(8000), Map.of()));
    api.create(pod(NS, "vllm-0", Map.of("app", "vllm-llama3-8b-instruct"), true, "10.0.0.1"));
    api.create(pod(NS, "vllm-1", Map.of("app", "vllm-llama3-8b-instruct"), true, "10.0.0.2"));
  }

  private static ServingStatus probe(RunningPicker p, String service) {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", p.server.grpcHealthPort()).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    } finally {
      ch.shutdownNow();
    }
  }

  @Test
  void chartArgsAndProbes_singleReplica_serving() throws Exception {
    createPool();
    RunningPicker p = start();
    Await.until("the chart's probe SERVING", () -> probe(p, SINGLE_REPLICA_PROBE) == ServingStatus.SERVING);
    assertThat(p.server.datastore().all()).hasSize(2);
    assertThat(p.server.options().isTracing()).isFalse();
    assertThat(p.server.options().isMetricsEndpointAuth()).as("the chart's default: auth on").isTrue();
  }

  @Test
  void chartArgs_poolNotCreatedYet_notServing_untilItIs() throws Exception {
    RunningPicker p = start();
    assertThat(probe(p, SINGLE_REPLICA_PROBE)).isEqualTo(ServingStatus.NOT_SERVING);
    createPool();
    Await.until("SERVING once the pool exists", () -> probe(p, SINGLE_REPLICA_PROBE) == ServingStatus.SERVING);
  }

  @Test
  void chartArgsWithReplicas_oneLeaderIsReady_andAFollowerTakesOverWhenItStops() throws Exception {
    createPool();
    // Short Lease timings (the reference's are 15 s / 10 s / 2 s, not flags there either).
    Path timings = Files.writeString(dir.resolve("options.yaml"),
        "leaderElectionLeaseDuration: 3s\nleaderElectionRenewDeadline: 2s\nleaderElectionRetryPeriod: 100ms\n");
    String[] ha = {HA, "--options-file", timings.toString()};
    RunningPicker a = start(ha);
    RunningPicker b = start(ha);
    List<RunningPicker> both = List.of(a, b);
    Await.until("one replica ready", () -> both.stream()
        .filter(p -> probe(p, READINESS_PROBE) == ServingStatus.SERVING).count() == 1);
    RunningPicker leader = probe(a, READINESS_PROBE) == ServingStatus.SERVING ? a : b;
    RunningPicker follower = leader == a ? b : a;
    assertThat(Stream.of(a, b).map(p -> probe(p, LIVENESS_PROBE))).containsOnly(ServingStatus.SERVING);
    assertThat(probe(follower, READINESS_PROBE)).isEqualTo(ServingStatus.NOT_SERVING);
    assertThat(probe(leader, SINGLE_REPLICA_PROBE)).as("unknown with leader election, as the reference")
        .isEqualTo(ServingStatus.SERVICE_UNKNOWN);
    assertThat(follower.server.datastore().all()).as("followers keep routing").hasSize(2);

    String leaseName = "epp-" + NS + "-" + POOL + "." + LeaderElection.LEASE_SUFFIX;
    Lease lease = api.client.leases().inNamespace(NS).withName(leaseName).get();
    assertThat(lease).as("Lease %s", leaseName).isNotNull();
    String holder = lease.getSpec().getHolderIdentity();

    pickers.remove(leader);
    assertThat(leader.stop()).isZero();
    Await.until("the follower leads", () -> probe(follower, READINESS_PROBE) == ServingStatus.SERVING);
    assertThat(api.client.leases().inNamespace(NS).withName(leaseName).get().getSpec().getHolderIdentity())
        .isNotEqualTo(holder);
  }
}
