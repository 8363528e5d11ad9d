package dev.loadfuse.picker.server;

import dev.loadfuse.picker.extproc.ExtProcLimits;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.sidecar.api.cluster.ClusterSettings;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import dev.loadfuse.discovery.kubernetes.LabelSelector;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class PickerOptionsTest {

  static Stream<Arguments> defaults() {
    return Stream.of(
        Arguments.of("bindAddress", (Function<PickerOptions, Object>) PickerOptions::getBindAddress, "0.0.0.0"),
        Arguments.of("routeToAnnouncedEndpoints", (Function<PickerOptions, Object>) PickerOptions::isRouteToAnnouncedEndpoints, false),
        Arguments.of("maxConnections", (Function<PickerOptions, Object>) o -> o.getExtProcLimits().getMaxConnections(), 1000),
        Arguments.of("maxStreamsPerConnection", (Function<PickerOptions, Object>) o -> o.getExtProcLimits().getMaxStreamsPerConnection(), 10_000),
        Arguments.of("maxOpenStreams", (Function<PickerOptions, Object>) o -> o.getExtProcLimits().getMaxOpenStreams(), 20_000),
        Arguments.of("requestIdleTimeout", (Function<PickerOptions, Object>) o -> o.getExtProcLimits().getRequestIdleTimeout(), Duration.ofSeconds(30)),
        Arguments.of("requestTimeout", (Function<PickerOptions, Object>) o -> o.getExtProcLimits().getRequestTimeout(), Duration.ofMinutes(2)),
        Arguments.of("maxBufferedBytes", (Function<PickerOptions, Object>) o -> o.getExtProcLimits().getMaxBufferedBytes(), 128L << 20),
        Arguments.of("grpcPort", (Function<PickerOptions, Object>) PickerOptions::getGrpcPort, 9002),
        Arguments.of("grpcHealthPort", (Function<PickerOptions, Object>) PickerOptions::getGrpcHealthPort, 9003),
        Arguments.of("metricsPort", (Function<PickerOptions, Object>) PickerOptions::getMetricsPort, 9090),
        Arguments.of("refreshMetricsInterval", (Function<PickerOptions, Object>) PickerOptions::getRefreshMetricsInterval,
            Duration.ofMillis(50)),
        Arguments.of("metricsStalenessThreshold", (Function<PickerOptions, Object>) PickerOptions::getMetricsStalenessThreshold,
            Duration.ofSeconds(2)),
        Arguments.of("secureServing", (Function<PickerOptions, Object>) PickerOptions::isSecureServing, true),
        Arguments.of("certReloadInterval", (Function<PickerOptions, Object>) PickerOptions::getCertReloadInterval, Duration.ofSeconds(5)),
        Arguments.of("maxBodyBytes", (Function<PickerOptions, Object>) PickerOptions::getMaxBodyBytes, 32 << 20),
        Arguments.of("extProcServers", (Function<PickerOptions, Object>) PickerOptions::getExtProcServers, 0),
        Arguments.of("clusterPort", (Function<PickerOptions, Object>) o -> o.getClusterSettings().port(), 5701),
        Arguments.of("kubernetesResyncPeriod", (Function<PickerOptions, Object>) PickerOptions::getKubernetesResyncPeriod,
            Duration.ofMinutes(1)),
        Arguments.of("gpuProbe", (Function<PickerOptions, Object>) PickerOptions::getGpuProbe, GpuProbeKind.AUTO),
        Arguments.of("cluster", (Function<PickerOptions, Object>) o -> o.getClusterSettings().cluster(), false),
        Arguments.of("endpointsFile", (Function<PickerOptions, Object>) PickerOptions::getEndpointsFile, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("defaults")
  void defaults_fromTheNoArgConstructor_andFromEmptyJson(String key, Function<PickerOptions, Object> get, Object expected) {
    assertThat(get.apply(new PickerOptions())).isEqualTo(expected);
    assertThat(get.apply(new PickerOptions(new JsonObject()))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = " => ", textBlock = """
      {"grpcPort": 70000}                   => grpcPort: 70000 (expected: [0, 65535])
      {"metricsPort": "x"}                  => metricsPort: "x" (expected: an integer)
      {"refreshMetricsInterval": "soon"}    => refreshMetricsInterval: "soon" (expected: a number and a unit: ns, us, ms, s, m or h, e.g. 50ms)
      {"secureServing": 1}                  => secureServing: 1 (expected: true or false)
      {"maxBodyBytes": "lots"}              => maxBodyBytes: "lots" (expected: a byte count such as 16777216 or 16Mi)
      {"kubernetesResyncPeriod": "500ms"}   => kubernetesResyncPeriod: 500ms (expected: >= 1s)
      {"endpointTargetPorts": [0]}          => endpointTargetPorts[0]: 0 (expected: [1, 65535])
      {"endpointSelector": "app in"}        => endpointSelector: "app in": after "app in": missing "(" (expected: a label selector: key=value, key!=value, key in (a,b), key notin (a,b), key or !key, separated by commas)
      {"gpuProbe": "cuda"}                  => gpuProbe: "cuda" (expected: one of auto, nvml, mock, none, nvml-or-mock)
      {"extProcServers": -1}                => extProcServers: -1 (expected: [0, 1024])
      {"grcpPort": 1}                       => unknown key "grcpPort" (known: grpcPort, grpcHealthPort, metricsPort, configFile, configText, objectsFile, endpointsFile, poolName, poolNamespace, endpointSelector, endpointTargetPorts, kubernetesResyncPeriod, cluster, clusterMembers, clusterService, clusterHost, clusterPort, clusterBusPort, clusterSecretFile, clusterInsecure, refreshMetricsInterval, metricsStalenessThreshold, secureServing, certPath, certReloadInterval, maxBodyBytes, extProcServers, gpuProbe, mockGpus, nvmlLibrary, poolGroup, haEnableLeaderElection, leaderElectionLeaseDuration, leaderElectionRenewDeadline, leaderElectionRetryPeriod, drainTimeout, grpcMaxRecvMsgSize, grpcMaxSendMsgSize, tlsMinVersion, tlsCipherSuites, enableCertReload, healthChecking, metricsEndpointAuth, metricsCertDir, metricsClientCaFile, enablePprof, tracing, refreshPrometheusMetricsInterval, disableEndpointSubsetFilter, emitEndpointScores, enableGrpcStreamMetrics, allowExperimentalPlugins, modelServerMetricsScheme, modelServerMetricsPath, modelServerMetricsPort, modelServerMetricsHttpsInsecureSkipVerify, bindAddress, routeToAnnouncedEndpoints, maxConnections, maxStreamsPerConnection, maxOpenStreams, requestIdleTimeout, requestTimeout, maxBufferedBytes)
      {"maxOpenStreams": 0}                 => maxOpenStreams: 0 (expected: >= 1)
      {"requestIdleTimeout": "0s"}          => requestIdleTimeout: "0s" (expected: > 0)
      {"maxBufferedBytes": "-1"}            => maxBufferedBytes: "-1" (expected: a byte count such as 16777216 or 16Mi)
      """)
  void badJson_namesTheKeyAndTheValue(String json, String message) {
    assertThatThrownBy(() -> new PickerOptions(new JsonObject(json))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  static Stream<Arguments> badSettings() {
    return Stream.of(
        Arguments.of((Runnable) () -> new PickerOptions().setGrpcPort(-1), "grpcPort: -1 (expected: [0, 65535])"),
        Arguments.of((Runnable) () -> new PickerOptions().setBindAddress(""), "bindAddress: \"\" (expected: an address to bind)"),
        Arguments.of((Runnable) () -> new PickerOptions().setExtProcLimits(new ExtProcLimits().setMaxOpenStreams(0)),
            "maxOpenStreams: 0 (expected: >= 1)"),
        Arguments.of((Runnable) () -> new ExtProcLimits().setRequestTimeout(Duration.ZERO), "requestTimeout: 0s (expected: > 0)"),
        Arguments.of((Runnable) () -> new ExtProcLimits().setMaxBufferedBytes(0), "maxBufferedBytes: 0 (expected: >= 1)"),
        Arguments.of((Runnable) () -> new PickerOptions().setClusterSettings(new ClusterSettings(true, List.of("a:5701"), null, null, 5701, 0, null, false)).validate(),
            "--cluster without the pool's endpoints: give --endpoints-file FILE or --pool-name NAME (the endpoints to"
                + " route to; the sidecars' vectors bring their load), or --route-to-announced-endpoints to route to"
                + " every endpoint a cluster member announces"),
        Arguments.of((Runnable) () -> new PickerOptions().setRefreshMetricsInterval(Duration.ZERO),
            "refreshMetricsInterval: 0s (expected: > 0)"),
        Arguments.of((Runnable) () -> new PickerOptions().setMaxBodyBytes(0), "maxBodyBytes: 0 (expected: >= 1)"),
        Arguments.of((Runnable) () -> new PickerOptions().setKubernetesResyncPeriod(Duration.ofMillis(10)),
            "kubernetesResyncPeriod: 10ms (expected: >= 1s)"),
        Arguments.of((Runnable) () -> new PickerOptions().validate(), "no endpoints: give --endpoints-file FILE (local mode),"
            + " --pool-name NAME or --endpoint-selector k=v --endpoint-target-ports PORT (Kubernetes mode), or --cluster"
            + " --cluster-members host:port,... to take endpoints and load from remote sidecars"),
        Arguments.of((Runnable) () -> new PickerOptions().setClusterSettings(ClusterSettings.NONE.withCluster(true)).setRouteToAnnouncedEndpoints(true).setMockGpus("g.yaml").validate(),
            "--gpu-probe, --mock-gpus, --nvml-library: only with the in-process sidecar (with --cluster the remote"
                + " sidecars read the GPUs)"),
        Arguments.of((Runnable) () -> new PickerOptions().setEndpointsFile("e").setGpuProbe(GpuProbeKind.MOCK).validate(),
            "--gpu-probe mock needs --mock-gpus FILE"),
        Arguments.of((Runnable) () -> new PickerOptions().setEndpointsFile("e").setSecureServing(false).setCertPath("/c")
            .validate(), "--cert-path needs --secure-serving=true"));
  }

  @ParameterizedTest
  @MethodSource("badSettings")
  void settersAndValidation_nameTheProblem(Runnable call, String message) {
    assertThatThrownBy(call::run).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void json_roundTrips() {
    JsonObject json = new JsonObject("""
        {"bindAddress": "127.0.0.1", "grpcPort": 1, "grpcHealthPort": 2, "metricsPort": 3, "configFile": "epc.yaml",
         "objectsFile": "o.yaml", "poolName": "p", "poolNamespace": "llm", "kubernetesResyncPeriod": "30s",
         "cluster": true, "clusterMembers": ["a:5701"], "clusterHost": "10.0.0.1", "clusterPort": 5702, "clusterBusPort": 5710,
         "clusterSecretFile": "/etc/loadfuse/cluster/secret", "clusterInsecure": false,
         "refreshMetricsInterval": "20ms", "metricsStalenessThreshold": "1s", "secureServing": false,
         "certReloadInterval": "1m", "maxBodyBytes": "1Mi", "extProcServers": 2, "gpuProbe": "none",
         "routeToAnnouncedEndpoints": true, "maxConnections": 5, "maxStreamsPerConnection": 6, "maxOpenStreams": 7,
         "requestIdleTimeout": "5s", "requestTimeout": "1m", "maxBufferedBytes": "64Mi",
         "poolGroup": "inference.networking.x-k8s.io", "haEnableLeaderElection": true,
         "leaderElectionLeaseDuration": "3s", "leaderElectionRenewDeadline": "2s", "leaderElectionRetryPeriod": "500ms",
         "drainTimeout": "0", "grpcMaxRecvMsgSize": "10Mi", "grpcMaxSendMsgSize": "25000000", "tlsMinVersion": "VersionTLS13",
         "tlsCipherSuites": ["TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"], "enableCertReload": true, "healthChecking": true,
         "metricsEndpointAuth": false, "metricsCertDir": "/certs", "metricsClientCaFile": "/ca.pem", "enablePprof": false,
         "tracing": false, "refreshPrometheusMetricsInterval": "1s", "disableEndpointSubsetFilter": true,
         "emitEndpointScores": true, "enableGrpcStreamMetrics": true, "allowExperimentalPlugins": true,
         "modelServerMetricsScheme": "https", "modelServerMetricsPath": "/m", "modelServerMetricsPort": 8002,
         "modelServerMetricsHttpsInsecureSkipVerify": false}
        """);
    PickerOptions o = new PickerOptions(json);
    assertThat(o.toJson()).isEqualTo(json);
    assertThat(new PickerOptions(o.toJson())).isEqualTo(o);
    assertThat(new PickerOptions(o)).isEqualTo(o);
    assertThat(new PickerOptions(new PickerOptions().toJson())).isEqualTo(new PickerOptions());

    PickerOptions selector = new PickerOptions(new JsonObject(
        "{\"endpointSelector\": {\"app\": \"vllm\"}, \"endpointTargetPorts\": [8000, 8001], \"mockGpus\": \"g.yaml\"}"));
    assertThat(selector.getEndpointSelector()).isEqualTo(LabelSelector.of(Map.of("app", "vllm")));
    assertThat(selector.getEndpointTargetPorts()).isEqualTo(List.of(8000, 8001));
    assertThat(selector.getGpuProbe()).isEqualTo(GpuProbeKind.MOCK);
    assertThat(new PickerOptions(selector.toJson())).isEqualTo(selector);
  }
}
