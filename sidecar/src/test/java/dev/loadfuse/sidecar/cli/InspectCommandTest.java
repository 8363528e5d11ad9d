package dev.loadfuse.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InspectCommandTest {

  private static final Path FIXTURES =
      Path.of(
          System.getProperty(
              "loadfuse.fixtures", "../engine-adapters/src/test/resources/fixtures/metrics"));
  private static final String KNOWN =
      "sglang, triton-tensorrt-llm, trt-llm, triton, trtllm-serve, vllm";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<HttpServer> servers = new ArrayList<>();
  private String stdout;
  private String stderr;

  @AfterEach
  void stopServers() {
    servers.forEach(s -> s.stop(0));
  }

  private int run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = SidecarMain.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    stdout = out.toString();
    stderr = err.toString();
    return code;
  }

  private JsonNode inspectOk(String... args) throws IOException {
    int code = run(args);
    assertThat(stderr).isEmpty();
    assertThat(code).isEqualTo(SidecarMain.EXIT_OK);
    JsonNode json = JSON.readTree(stdout);
    assertThat(json.isObject()).isTrue();
    List<String> keys = new ArrayList<>();
    json.fieldNames().forEachRemaining(keys::add);
    assertThat(keys)
        .containsExactly(
            "engine", "waitingRequests", "runningRequests", "kvCacheUsage", "lora",
            "cacheBlockSize", "numGpuBlocks", "missing", "skippedLines", "firstError");
    return json;
  }

  private void assertUsageError(String message) {
    assertThat(stdout).isEmpty();
    assertThat(stderr).isEqualTo("inspect: " + message + System.lineSeparator());
  }

  private static String fixture(String name) {
    return FIXTURES.resolve(name).toString();
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  void vllmV0Page_allValuesIncludingLoraAndGeometry() throws IOException {
    JsonNode j = inspectOk("inspect", fixture("vllm-v0-aibrix-runtime-doc.prom"));
    assertThat(j.get("engine").asText()).isEqualTo("vllm");
    assertThat(j.get("waitingRequests").isIntegralNumber()).isTrue();
    assertThat(j.get("waitingRequests").asLong()).isZero();
    assertThat(j.get("runningRequests").isIntegralNumber()).isTrue();
    assertThat(j.get("kvCacheUsage").asDouble()).isZero();
    assertThat(texts(j.get("lora").get("running"))).isEmpty();
    assertThat(texts(j.get("lora").get("waiting"))).isEmpty();
    assertThat(j.get("lora").get("maxLora").asInt()).isZero();
    assertThat(j.get("cacheBlockSize").asLong()).isEqualTo(16);
    assertThat(j.get("numGpuBlocks").asLong()).isEqualTo(81767);
    assertThat(texts(j.get("missing"))).isEmpty();
    assertThat(j.get("skippedLines").asInt()).isZero();
    assertThat(j.get("firstError").isNull()).isTrue();
  }

  @Test
  void vllmV1Page_kvFromOldNameMissingListed() throws IOException {
    JsonNode j = inspectOk("inspect", fixture("vllm-v1-production-stack-issue318-fragment.prom"));
    assertThat(j.get("waitingRequests").asLong()).isZero();
    assertThat(j.get("runningRequests").asLong()).isZero();
    assertThat(j.get("kvCacheUsage").asDouble()).isZero();
    assertThat(j.get("lora").isNull()).isTrue();
    assertThat(j.get("cacheBlockSize").isNull()).isTrue();
    assertThat(texts(j.get("missing")))
        .containsExactly("vllm:lora_requests_info", "vllm:cache_config_info");
  }

  @Test
  void vllmV010Page_scientificKvAndAbsentCountsAreNull() throws IOException {
    JsonNode j = inspectOk("inspect", fixture("vllm-v1-production-stack-issue617-v0.10.0-fragment.prom"));
    assertThat(j.get("kvCacheUsage").asDouble()).isEqualTo(9.75010481363281e-06);
    assertThat(j.get("waitingRequests").isNull()).isTrue();
    assertThat(j.get("runningRequests").isNull()).isTrue();
  }

  @Test
  void docsPageWithEllipses_skippedLinesAndFirstError() throws IOException {
    JsonNode j = inspectOk("inspect", fixture("vllm-v1-docs-design-metrics-elided.prom"));
    assertThat(j.get("runningRequests").asLong()).isEqualTo(8);
    assertThat(j.get("skippedLines").asInt()).isEqualTo(3);
    assertThat(j.get("firstError").get("line").asInt()).isEqualTo(4);
    assertThat(j.get("firstError").get("reason").asText())
        .isEqualTo("invalid metric name at column 1: \"...\"");
  }

  @Test
  void sglangByEngineFlag_productionValues() throws IOException {
    JsonNode j = inspectOk("inspect", "--engine", "sglang", fixture("sglang-docs-production-metrics.prom"));
    assertThat(j.get("engine").asText()).isEqualTo("sglang");
    assertThat(j.get("waitingRequests").asLong()).isEqualTo(2826);
    assertThat(j.get("runningRequests").asLong()).isEqualTo(162);
    assertThat(j.get("kvCacheUsage").asDouble()).isEqualTo(0.28);
    assertThat(texts(j.get("missing"))).containsExactly("sglang:cache_config_info");
  }

  @Test
  void sglangByPodLabel_selected() throws IOException {
    JsonNode j =
        inspectOk(
            "inspect",
            "--pod-label", "app=llm",
            "--pod-label", "inference.networking.k8s.io/engine-type=sglang",
            fixture("sglang-docs-early-name-label.prom"));
    assertThat(j.get("engine").asText()).isEqualTo("sglang");
    assertThat(j.get("kvCacheUsage").asDouble()).isEqualTo(0.01);
  }

  @Test
  void trtLlmByPoolAnnotation_requestsKvAndGeometry() throws IOException {
    JsonNode j =
        inspectOk(
            "inspect",
            "--pool-annotation", "inference.networking.x-k8s.io/model-server-runtime=trt-llm",
            fixture("triton-trtllm-backend-readme-ifb-2025.prom"));
    assertThat(j.get("engine").asText()).isEqualTo("triton-tensorrt-llm");
    assertThat(j.get("waitingRequests").asLong()).isEqualTo(1);
    assertThat(j.get("runningRequests").asLong()).isEqualTo(1);
    assertThat(j.get("kvCacheUsage").asDouble()).isEqualTo(0.4875);
    assertThat(j.get("cacheBlockSize").asLong()).isEqualTo(64);
    assertThat(j.get("numGpuBlocks").asLong()).isEqualTo(6239);
    assertThat(texts(j.get("missing"))).isEmpty();
  }

  @Test
  void olderTrtLlmBackend_kvFromUsedOverMax() throws IOException {
    JsonNode j = inspectOk("inspect", "--engine", "trt-llm", fixture("triton-trtllm-backend-readme-ifb-2023.prom"));
    assertThat(j.get("kvCacheUsage").asDouble()).isEqualTo(1.0 / 6239);
    assertThat(j.get("waitingRequests").isNull()).isTrue();
    assertThat(texts(j.get("missing"))).containsExactly("nv_trt_llm_request_metrics{request_type=waiting}");
  }

  @Test
  void httpUrl_servedByARealServer(@TempDir Path dir) throws IOException {
    byte[] page = Files.readAllBytes(FIXTURES.resolve("vllm-v0-gie-issue354-lora-requests-info.prom"));
    String url = serve(200, page) + "/metrics";
    JsonNode j = inspectOk("inspect", url);
    assertThat(texts(j.get("lora").get("running"))).containsExactly("test-lora");
    assertThat(texts(j.get("lora").get("waiting"))).isEmpty();
    assertThat(j.get("lora").get("maxLora").asInt()).isEqualTo(1);
    assertThat(texts(j.get("missing")))
        .containsExactly(
            "vllm:num_requests_waiting", "vllm:num_requests_running", "vllm:kv_cache_usage_perc",
            "vllm:cache_config_info");
  }

  @Test
  void httpErrorStatus_exit2WithStatus() throws IOException {
    String url = serve(503, "overloaded".getBytes()) + "/metrics";
    assertThat(run("inspect", url)).isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError("cannot read " + url + ": HTTP 503");
  }

  @Test
  void connectionRefused_exit2() throws IOException {
    int port;
    // A port that was just bound and closed: nothing listens there.
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port + "/metrics";
    assertThat(run("inspect", url)).isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError("cannot read " + url + ": connection refused");
  }

  @Test
  void httpPageOverTheLimit_exit2() throws IOException {
    String url = serve(200, "a 1\n".repeat(100).getBytes()) + "/metrics";
    assertThat(run("inspect", "--max-page-bytes", "100", url)).isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError("metrics page too large: 400 bytes (limit: 100 bytes)");
  }

  @Test
  void fileOverTheLimit_exit2() {
    assertThat(run("inspect", "--max-page-bytes", "1000", fixture("vllm-v0-aibrix-runtime-doc.prom")))
        .isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError("metrics page too large: 4417 bytes (limit: 1000 bytes)");
  }

  @Test
  void missingFile_exit2WithPath(@TempDir Path dir) {
    Path missing = dir.resolve("nope.prom");
    assertThat(run("inspect", missing.toString())).isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError("cannot read " + missing + ": no such file");
  }

  @Test
  void directoryAsSource_exit2(@TempDir Path dir) {
    assertThat(run("inspect", dir.toString())).isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError("cannot read " + dir + ": is a directory");
  }

  @Test
  void unknownEngineFlag_exit2ListingKnownEngines() {
    assertThat(run("inspect", "--engine", "vlm", fixture("vllm-v0-aibrix-runtime-doc.prom")))
        .isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError("unknown engine \"vlm\" (known: " + KNOWN + ")");
  }

  @Test
  void unknownEngineFromPodLabel_exit2NamingEndpointAndLabel() {
    String src = fixture("vllm-v0-aibrix-runtime-doc.prom");
    assertThat(run("inspect", "--pod-label", "inference.networking.k8s.io/engine-type=vlm", src))
        .isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError(
        "endpoint " + src + ": unknown engine \"vlm\" from pod label"
            + " inference.networking.k8s.io/engine-type (known: " + KNOWN + ")");
  }

  /** An EndpointPickerConfig file in {@code dir} with these entries under {@code plugins:}. */
  private static Path epc(Path dir, String plugins) throws IOException {
    return Files.writeString(dir.resolve("epc.yaml"), """
        apiVersion: inference.networking.x-k8s.io/v1alpha1
        kind: EndpointPickerConfig
        plugins:
        """ + plugins);
  }

  @Test
  void configFile_customEngineUsed(@TempDir Path dir) throws IOException {
    Path epc = epc(dir, """
        - type: queue-scorer
        - type: model-server-protocol-metrics
          parameters:
            defaultEngine: triton-server
            engineConfigs:
            - name: triton-server
              queuedRequestsSpec: nv_inference_pending_request_count
              runningRequestsSpec: nv_inference_exec_count{model=tensorrt_llm}
        """);
    JsonNode j =
        inspectOk("inspect", "--config-file", epc.toString(), fixture("triton-trtllm-backend-issue667-ifb-fragment.prom"));
    assertThat(j.get("engine").asText()).isEqualTo("triton-server");
    assertThat(j.get("runningRequests").asLong()).isEqualTo(232);
    assertThat(texts(j.get("missing"))).containsExactly("nv_inference_pending_request_count");
    assertThat(j.get("kvCacheUsage").isNull()).isTrue();
  }

  @Test
  void malformedConfigFile_exit2NamingFileAndPath(@TempDir Path dir) throws IOException {
    Path epc = epc(dir, """
        - type: model-server-protocol-metrics
          parameters:
            engineConfigs:
            - name: vllm
              kvUsageSpec: "vllm:x{a="
        """);
    assertThat(run("inspect", "--config-file", epc.toString(), fixture("vllm-v0-aibrix-runtime-doc.prom")))
        .isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError(
        epc + ": plugins[0].parameters.engineConfigs[0].kvUsageSpec: invalid metric spec"
            + " \"vllm:x{a=\" at position 9: unterminated label matcher");
  }

  @Test
  void oversizedOrEndlessConfigFile_exit2WithOneLine(@TempDir Path dir) throws Exception {
    Path epc = dev.loadfuse.common.testing.LargeFiles.sparse(dir.resolve("huge.yaml"), 100L << 20);
    assertThat(run("inspect", "--config-file", epc.toString(), fixture("vllm-v0-aibrix-runtime-doc.prom")))
        .isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError(epc + ": 104857600 bytes, larger than the 4 MiB limit for an EndpointPickerConfig");
  }

  @Test
  void missingConfigFile_exit2(@TempDir Path dir) {
    Path epc = dir.resolve("absent.yaml");
    assertThat(run("inspect", "--config-file", epc.toString(), fixture("vllm-v0-aibrix-runtime-doc.prom")))
        .isEqualTo(SidecarMain.EXIT_USAGE);
    assertUsageError(epc + ": cannot read: no such file");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "inspect                                  | Missing required parameter: 'SOURCE'",
        "inspect --pod-label novalue x.prom      | Value for option option '--pod-label' (KEY=VALUE) should be in KEY=VALUE format but was novalue",
        "inspect --timeout-ms 0 http://h/metrics | --timeout-ms: 0 (expected: >= 1)",
        "inspect http:///metrics                  | invalid URL http:///metrics: no host",
      })
  void badArguments_exit2WithOneLine(String args, String message) {
    assertThat(run(args.strip().split(" +"))).isEqualTo(SidecarMain.EXIT_USAGE);
    assertThat(stdout).isEmpty();
    assertThat(stderr.strip()).isEqualTo("inspect: " + message);
    assertThat(stderr.strip()).doesNotContain("\n");
  }

  private String serve(int status, byte[] body) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/metrics",
        exchange -> {
          exchange.getResponseHeaders().add("Content-Type", "text/plain; version=0.0.4");
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    servers.add(server);
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }
}
