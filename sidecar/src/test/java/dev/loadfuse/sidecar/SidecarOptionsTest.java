package dev.loadfuse.sidecar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.engine.config.EngineConfigException;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.sidecar.api.cluster.ClusterSettings;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class SidecarOptionsTest {

  static Stream<Arguments> defaults() {
    return Stream.of(
        Arguments.of("http", (Function<SidecarOptions, Object>) SidecarOptions::isHttp, true),
        Arguments.of("httpHost", (Function<SidecarOptions, Object>) SidecarOptions::getHttpHost, "0.0.0.0"),
        Arguments.of("httpPort", (Function<SidecarOptions, Object>) SidecarOptions::getHttpPort, 9400),
        Arguments.of("scrapeInterval", (Function<SidecarOptions, Object>) SidecarOptions::getScrapeInterval, Duration.ofMillis(50)),
        Arguments.of("scrapeTimeout", (Function<SidecarOptions, Object>) SidecarOptions::getScrapeTimeout, Duration.ofSeconds(1)),
        Arguments.of("maxPageBytes", (Function<SidecarOptions, Object>) SidecarOptions::getMaxPageBytes, 16 << 20),
        Arguments.of("gpuSampleInterval", (Function<SidecarOptions, Object>) SidecarOptions::getGpuSampleInterval, Duration.ofMillis(100)),
        Arguments.of("publishHeartbeat", (Function<SidecarOptions, Object>) SidecarOptions::getPublishHeartbeat, Duration.ofMillis(100)),
        Arguments.of("gpuProbe", (Function<SidecarOptions, Object>) SidecarOptions::getGpuProbe, GpuProbeKind.AUTO),
        Arguments.of("podResourcesSocket", (Function<SidecarOptions, Object>) SidecarOptions::getPodResourcesSocket,
            "/var/lib/kubelet/pod-resources/kubelet.sock"),
        Arguments.of("cluster", (Function<SidecarOptions, Object>) SidecarOptions::isCluster, false),
        Arguments.of("clusterPort", (Function<SidecarOptions, Object>) o -> o.getClusterSettings().port(), 5701),
        Arguments.of("clusterMembers", (Function<SidecarOptions, Object>) o -> o.getClusterSettings().members(), List.of()),
        Arguments.of("endpointsFile", (Function<SidecarOptions, Object>) SidecarOptions::getEndpointsFile, null),
        Arguments.of("nodeName", (Function<SidecarOptions, Object>) SidecarOptions::getNodeName, null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("defaults")
  void defaults_fromTheNoArgConstructor_andFromEmptyJson(String key, Function<SidecarOptions, Object> get, Object expected) {
    assertThat(get.apply(new SidecarOptions())).isEqualTo(expected);
    assertThat(get.apply(new SidecarOptions(new JsonObject()))).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = " => ", textBlock = """
      {"httpPort": 70000}                 => httpPort: 70000 (expected: [0, 65535])
      {"httpPort": "9400"}                => httpPort: "9400" (expected: an integer)
      {"scrapeInterval": "fast"}          => scrapeInterval: "fast" (expected: a number and a unit: ns, us, ms, s, m or h, e.g. 50ms)
      {"scrapeInterval": "0ms"}           => scrapeInterval: "0ms" (expected: > 0)
      {"publishHeartbeat": "10us"}        => publishHeartbeat: 10us (expected: >= 1ms)
      {"maxPageBytes": 0}                 => maxPageBytes: 0 (expected: >= 1)
      {"maxPageBytes": "16MB"}            => maxPageBytes: "16MB" (expected: a byte count such as 16777216 or 16Mi)
      {"scrapeFailureThreshold": 0}       => scrapeFailureThreshold: 0 (expected: [1, 1000])
      {"clusterInsecure": "no"}           => clusterInsecure: "no" (expected: true or false)
      {"gpuProbe": "banana"}              => gpuProbe: "banana" (expected: one of auto, nvml, mock, none, nvml-or-mock)
      {"cluster": "yes"}                  => cluster: "yes" (expected: true or false)
      {"clusterMembers": [1]}             => clusterMembers[0]: 1 (expected: a non-empty string)
      {"engines": []}                     => engines: a list (expected: a map (engineLabelKey, defaultEngine, engineConfigs))
      {"bogus": 1}                        => unknown key "bogus" (known: endpointsFile, nodeName, namespace, gpuProbe, mockGpus, nvmlLibrary, http, httpHost, httpPort, scrapeInterval, scrapeTimeout, maxPageBytes, scrapeFailureThreshold, gpuSampleInterval, publishHeartbeat, podResourcesSocket, cluster, clusterMembers, clusterHost, clusterPort, clusterBusPort, clusterService, clusterSecretFile, clusterInsecure, engines, kvEvents)
      """)
  void badJson_namesTheKeyAndTheValue(String json, String message) {
    assertThatThrownBy(() -> new SidecarOptions(new JsonObject(json))).isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void badEngines_namePath() {
    assertThatThrownBy(() -> new SidecarOptions(new JsonObject("{\"engines\": {\"engineConfigs\": [{\"name\": \"v\", \"x\": 1}]}}")))
        .isInstanceOf(EngineConfigException.class)
        .hasMessageStartingWith("engines.engineConfigs[0]: unknown key \"x\" (known: name, ");
  }

  static Stream<Arguments> badSetters() {
    return Stream.of(
        Arguments.of((Runnable) () -> new SidecarOptions().setHttpPort(-1), "httpPort: -1 (expected: [0, 65535])"),
        Arguments.of((Runnable) () -> new ClusterSettings(true, List.of(), null, null, 65536, 0, null, false), "clusterPort: 65536 (expected: [0, 65535])"),
        Arguments.of((Runnable) () -> new SidecarOptions().setScrapeInterval(Duration.ZERO), "scrapeInterval: 0s (expected: > 0)"),
        Arguments.of((Runnable) () -> new SidecarOptions().setScrapeTimeout(null), "scrapeTimeout: null (expected: > 0)"),
        Arguments.of((Runnable) () -> new SidecarOptions().setPublishHeartbeat(Duration.ofNanos(5)), "publishHeartbeat: 5ns (expected: >= 1ms)"),
        Arguments.of((Runnable) () -> new SidecarOptions().setMaxPageBytes(0), "maxPageBytes: 0 (expected: >= 1)"),
        Arguments.of((Runnable) () -> new SidecarOptions().setHttpHost(" "), "httpHost: \" \" (expected: an address to bind)"),
        Arguments.of((Runnable) () -> new SidecarOptions().setNodeName(""), "nodeName: \"\" (expected: not blank, or null)"),
        Arguments.of((Runnable) () -> new SidecarOptions().validate(), "no endpoints source: give --endpoints-file for local"
            + " use, or set NODE_NAME (nodeName) to discover this node's pods in Kubernetes"),
        Arguments.of((Runnable) () -> new SidecarOptions().setNodeName("n").setGpuProbe(GpuProbeKind.MOCK).validate(),
            "gpuProbe: mock needs mockGpus (a mock GPU file)"));
  }

  @ParameterizedTest
  @MethodSource("badSetters")
  void setters_validate(Runnable call, String message) {
    assertThatThrownBy(call::run).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void json_roundTrips() {
    JsonObject json = new JsonObject("""
        {"endpointsFile": "e.yaml", "nodeName": "node-a", "namespace": "llm", "gpuProbe": "nvml-or-mock",
         "mockGpus": "g.yaml", "nvmlLibrary": "/lib/libnvidia-ml.so.1", "http": false, "httpHost": "127.0.0.1",
         "httpPort": 0, "scrapeInterval": "20ms", "scrapeTimeout": "2s", "maxPageBytes": "8Mi", "scrapeFailureThreshold": 5,
         "gpuSampleInterval": "250ms", "publishHeartbeat": "1s", "podResourcesSocket": "/run/k.sock",
         "cluster": true, "clusterMembers": ["a:5701", "b:5701"], "clusterHost": "10.0.0.1", "clusterPort": 5702, "clusterBusPort": 5710,
         "clusterSecretFile": "/etc/loadfuse/cluster/secret", "clusterInsecure": false,
         "clusterService": "svc", "engines": {"defaultEngine": "sglang"}}
        """);
    SidecarOptions o = new SidecarOptions(json);
    assertThat(o.toJson()).isEqualTo(json);
    assertThat(new SidecarOptions(o.toJson())).isEqualTo(o);
    assertThat(new SidecarOptions(o)).isEqualTo(o);
    assertThat(o.getEnginesConfig().defaultEngine()).isEqualTo("sglang");
    assertThat(new SidecarOptions(new SidecarOptions().toJson())).isEqualTo(new SidecarOptions());
  }

  @Test
  void mockFile_impliesTheMockProbe_andMembersImplyTheCluster() {
    SidecarOptions o = new SidecarOptions(new JsonObject("{\"mockGpus\": \"g.yaml\", \"clusterMembers\": [\"a:1\"]}"));
    assertThat(o.getGpuProbe()).isEqualTo(GpuProbeKind.MOCK);
    assertThat(o.isCluster()).isTrue();
  }
}
