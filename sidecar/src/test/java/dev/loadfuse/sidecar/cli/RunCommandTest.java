package dev.loadfuse.sidecar.cli;

import static dev.loadfuse.sidecar.testing.SidecarTestFiles.GPU_A;
import static dev.loadfuse.sidecar.testing.SidecarTestFiles.GPU_B;
import static dev.loadfuse.sidecar.testing.SidecarTestFiles.endpoint;
import static dev.loadfuse.sidecar.testing.SidecarTestFiles.fixture;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loadfuse.common.testing.Await;
import dev.loadfuse.common.testing.LargeFiles;
import dev.loadfuse.sidecar.api.LoadJson;
import dev.loadfuse.sidecar.testing.SidecarTestFiles;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.client.WebClient;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code sidecar.jar run} as a user runs it: in process through {@link SidecarMain#commandLine}
 * (stopped through {@link RunCommand#stopSignal}), against local HTTP servers serving the real
 * fixture pages of the engine-adapters test-jar, with mock GPUs; and once as a child JVM stopped
 * with SIGTERM.
 */
class RunCommandTest {

  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private Vertx vertx;
  private WebClient client;
  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();
  private Running running;

  @BeforeEach
  void setUp() throws IOException {
    vertx = Vertx.vertx();
    client = WebClient.create(vertx);
    Files.writeString(dir.resolve("ok.yaml"), endpointsYaml(9, List.of(1)));
    Files.writeString(dir.resolve("duplicate.yaml"), """
        pool: {name: local-pool}
        endpoints:
          - {name: vllm-0, address: 127.0.0.1, port: 8000}
          - {name: vllm-0, address: 127.0.0.1, port: 8001}
        """);
    Files.writeString(dir.resolve("port.yaml"), """
        pool: {name: local-pool}
        endpoints:
          - {name: vllm-0, address: 127.0.0.1, port: 70000}
        """);
    Files.writeString(dir.resolve("unknown-key.yaml"), "bogus: 1\n");
    Files.writeString(dir.resolve("engines-key.yaml"), """
        engines:
          engineConfigs:
            - name: vllm
              queuedRequestsSpec: vllm:num_requests_waiting
              bogus: x
        """);
    Files.writeString(dir.resolve("engines-spec.yaml"), """
        engines:
          engineConfigs:
            - name: vllm
              queuedRequestsSpec: "vllm:x{a="
        """);
    Files.writeString(dir.resolve("gpus-invalid.yaml"), "gpus: [{uuid: GPU-a}]\n");
    LargeFiles.sparse(dir.resolve("huge.yaml"), 100L << 20);
    Files.writeString(dir.resolve("short-secret"), "hunter2\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (running != null) {
      running.stop();
    }
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------- bad input

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = " => ", textBlock = """
      run --endpoints-file {dir}/ok.yaml --config-file {dir}/unknown-key.yaml => run: {dir}/unknown-key.yaml: unknown key "bogus" (known: endpointsFile, nodeName, namespace, gpuProbe, mockGpus, nvmlLibrary, http, httpHost, httpPort, scrapeInterval, scrapeTimeout, maxPageBytes, scrapeFailureThreshold, gpuSampleInterval, publishHeartbeat, podResourcesSocket, cluster, clusterMembers, clusterHost, clusterPort, clusterBusPort, clusterService, clusterSecretFile, clusterInsecure, engines, kvEvents)
      run --endpoints-file {dir}/ok.yaml --config-file {dir}/missing-config.yaml => run: {dir}/missing-config.yaml: cannot read: no such file
      run --endpoints-file {dir}/ok.yaml --scrape-interval fast => run: --scrape-interval: "fast" (expected: a number and a unit: ns, us, ms, s, m or h, e.g. 50ms)
      run --endpoints-file {dir}/ok.yaml --gpu-probe banana => run: --gpu-probe: "banana" (expected: one of auto, nvml, mock, none, nvml-or-mock)
      run --endpoints-file {dir}/ok.yaml --gpu-probe mock => run: gpuProbe: mock needs mockGpus (a mock GPU file)
      run --endpoints-file {dir}/ok.yaml --mock-gpus {dir}/missing-gpus.yaml => run: {dir}/missing-gpus.yaml: cannot read: no such file
      run --endpoints-file {dir}/ok.yaml --mock-gpus {dir}/gpus-invalid.yaml => run: {dir}/gpus-invalid.yaml: gpus[0]: name missing
      run --endpoints-file {dir}/duplicate.yaml --gpu-probe none => run: cannot start: {dir}/duplicate.yaml: endpoints[1]: duplicate name "vllm-0" (first at endpoints[0])
      run --endpoints-file {dir}/port.yaml --gpu-probe none => run: cannot start: {dir}/port.yaml: endpoints[0] (vllm-0): port: 70000 (expected: [1, 65535])
      run --endpoints-file {dir}/missing.yaml --gpu-probe none => run: cannot start: {dir}/missing.yaml: cannot read: no such file
      run --endpoints-file {dir}/ok.yaml --gpu-probe none --config-file {dir}/engines-key.yaml => run: {dir}/engines-key.yaml: engines.engineConfigs[0]: unknown key "bogus" (known: name, queuedRequestsSpec, runningRequestsSpec, kvUsageSpec, loraSpec, cacheInfoSpec, cacheBlockSizeLabelName, cacheNumBlocksLabelName, cacheBlockSizeSpec, cacheNumBlocksSpec, queuedRequestsFallbackSpec, runningRequestsFallbackSpec, kvUsageFallbackSpec, kvUsedBlocksSpec, kvTotalBlocksSpec)
      run --endpoints-file {dir}/ok.yaml --gpu-probe none --config-file {dir}/engines-spec.yaml => run: {dir}/engines-spec.yaml: engines.engineConfigs[0].queuedRequestsSpec: invalid metric spec "vllm:x{a=" at position 9: unterminated label matcher
      run --endpoints-file {dir}/ok.yaml --config-file {dir}/huge.yaml => run: {dir}/huge.yaml: 104857600 bytes, larger than the 1 MiB limit for a sidecar settings file
      run --endpoints-file {dir}/ok.yaml --config-file /dev/zero => run: /dev/zero: more than 1048576 bytes (still growing when read), larger than the 1 MiB limit for a sidecar settings file
      run --endpoints-file {dir}/ok.yaml --mock-gpus {dir}/huge.yaml => run: {dir}/huge.yaml: 104857600 bytes, larger than the 1 MiB limit for a mock GPU file
      run --endpoints-file {dir}/ok.yaml --mock-gpus /dev/zero => run: /dev/zero: more than 1048576 bytes (still growing when read), larger than the 1 MiB limit for a mock GPU file
      run --endpoints-file {dir}/huge.yaml --gpu-probe none => run: cannot start: {dir}/huge.yaml: 104857600 bytes, larger than the 1 MiB limit for an endpoints file
      run --endpoints-file /dev/zero --gpu-probe none => run: cannot start: /dev/zero: more than 1048576 bytes (still growing when read), larger than the 1 MiB limit for an endpoints file
      run --endpoints-file {dir}/ok.yaml --cluster-members 127.0.0.1:5701 => run: cluster: no secret: give --cluster-secret-file FILE (env LOADFUSE_CLUSTER_SECRET_FILE; a Kubernetes Secret mounted as a file, e.g. from: openssl rand -base64 32), or --cluster-insecure to run an unauthenticated, unencrypted cluster
      run --endpoints-file {dir}/ok.yaml --cluster-members 127.0.0.1:5701 --cluster-secret-file {dir}/short-secret => run: {dir}/short-secret: a cluster secret of 7 bytes (expected: at least 32, e.g. the output of: openssl rand -base64 32)
      run --endpoints-file {dir}/ok.yaml --cluster-members 127.0.0.1:5701 --cluster-secret-file {dir}/huge.yaml => run: {dir}/huge.yaml: 104857600 bytes, larger than the 4 KiB limit for a cluster secret
      run --endpoints-file {dir}/ok.yaml --cluster-secret-file {dir}/short-secret => run: --cluster-secret-file, --cluster-insecure: only with --cluster
      run --endpoints-file {dir}/ok.yaml --scrape-failure-threshold 0 => run: --scrape-failure-threshold: 0 (expected: [1, 1000])
      run --endpoints-file {dir}/ok.yaml --http-port many => run: Invalid value for option '--http-port': 'many' is not an int
      run --endpoints-file {dir}/ok.yaml --frobnicate => run: Unknown option: '--frobnicate'
      """)
  void badInput_exit2WithOneLine(String args, String message) {
    int exit = runToEnd(Map.of(), args.replace("{dir}", dir.toString()).split(" "));

    assertThat(err.toString()).isEqualTo(message.replace("{dir}", dir.toString()) + "\n");
    assertThat(exit).isEqualTo(SidecarMain.EXIT_USAGE);
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void noEndpointsFileAndNoNodeName_exit2WithTheMessage() {
    int exit = runToEnd(Map.of(), "run", "--gpu-probe", "none");

    assertThat(exit).isEqualTo(SidecarMain.EXIT_USAGE);
    assertThat(err.toString()).isEqualTo("run: no endpoints source: give --endpoints-file for local use, "
        + "or set NODE_NAME (nodeName) to discover this node's pods in Kubernetes\n");
  }

  @Test
  void nvmlDemandedButAbsent_exit3NamingWhatWasTried() {
    int exit = runToEnd(Map.of(), "run", "--endpoints-file", dir.resolve("ok.yaml").toString(),
        "--gpu-probe", "nvml", "--nvml-library", "/nonexistent/libnvidia-ml.so.1");

    assertThat(exit).isEqualTo(SidecarMain.EXIT_UNAVAILABLE);
    assertThat(err.toString()).isEqualTo("run: NVML unavailable: cannot load /nonexistent/libnvidia-ml.so.1 (no such file)\n");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void httpPortTaken_exit2NamingTheAddress() throws Exception {
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      int exit = runToEnd(Map.of(), "run", "--endpoints-file", dir.resolve("ok.yaml").toString(), "--gpu-probe", "none",
          "--http-host", "127.0.0.1", "--http-port", String.valueOf(taken.getLocalPort()));

      assertThat(exit).isEqualTo(SidecarMain.EXIT_USAGE);
      assertThat(err.toString()).isEqualTo("run: cannot start: cannot listen on 127.0.0.1:" + taken.getLocalPort()
          + ": Address already in use\n");
    }
  }

  // ---------------------------------------------------------------- running

  @Test
  void threeEnginesAndMockGpus_servedAtV1Load_andStopExits0AndReleasesThePort() throws Exception {
    int vllm = serve(fixture("vllm-v0-aibrix-runtime-doc.prom"));
    int sglang = serve(fixture("sglang-docs-production-metrics.prom"));
    int triton = serve(fixture("triton-trtllm-backend-readme-ifb-2025.prom"));
    Path endpoints = Files.writeString(dir.resolve("endpoints.yaml"),
        SidecarTestFiles.threeEngines(vllm, sglang, triton));
    Path gpus = mockGpus();

    running = start(Map.of(), "run", "--endpoints-file", endpoints.toString(), "--mock-gpus", gpus.toString(),
        "--http-port", "0", "--scrape-interval", "20ms");

    assertThat(out.toString().lines().findFirst()).hasValue("loadfuse sidecar: file " + endpoints
        + ", 3 endpoint(s), GPU probe mock (" + gpus + "), http://0.0.0.0:" + running.port + "/v1/load");
    JsonNode load = awaitLoad(l -> l.get("endpoints").size() == 3
        && l.get("endpoints").findValues("engineSampleAgeMs").stream().noneMatch(JsonNode::isNull)
        && endpoint(l, "vllm-0").get("gpus").size() == 1
        && endpoint(l, "triton-0").get("gpus").size() == 1);
    JsonNode v = endpoint(load, "vllm-0");
    assertThat(v.get("engine").asText()).isEqualTo("vllm");
    assertThat(v.get("port").asInt()).isEqualTo(vllm);
    assertThat(v.get("numGpuBlocks").asLong()).isEqualTo(81767);
    assertThat(v.get("healthy").asBoolean()).isTrue();
    assertThat(v.at("/gpus/0/uuid").asText()).isEqualTo(GPU_A);
    assertThat(v.at("/gpus/0/memoryUsedBytes").asLong()).isEqualTo(21474836480L);
    assertThat(v.at("/gpus/0/gpuUtilization").asDouble()).isEqualTo(0.5);
    JsonNode s = endpoint(load, "sglang-0");
    assertThat(s.get("waitingRequests").asLong()).isEqualTo(2826);
    assertThat(s.get("runningRequests").asLong()).isEqualTo(162);
    assertThat(s.get("kvCacheUsage").asDouble()).isEqualTo(0.28);
    JsonNode t = endpoint(load, "triton-0");
    assertThat(t.get("engine").asText()).isEqualTo("triton-tensorrt-llm");
    assertThat(t.get("kvCacheUsage").asDouble()).isEqualTo(0.4875);
    assertThat(t.at("/gpus/0/uuid").asText()).isEqualTo(GPU_B);
    assertThat(t.at("/gpus/0/temperatureC").isNull()).isTrue();
    assertThat(get("/readyz")).isEqualTo("ready\n");

    int port = running.port;
    assertThat(running.stop()).isEqualTo(SidecarMain.EXIT_OK);
    running = null;
    assertThat(err.toString()).isEmpty();
    try (ServerSocket again = new ServerSocket(port)) {
      assertThat(again.getLocalPort()).as("the HTTP port is free again").isEqualTo(port);
    }
  }

  @Test
  void engineMappings_reloadWhileRunning_andAnInvalidChangeKeepsTheOldOnes() throws Exception {
    // The real page plus one series that only the first mapping reads.
    byte[] page = (new String(fixture("vllm-v0-aibrix-runtime-doc.prom"), StandardCharsets.UTF_8)
        + "# TYPE some_other_metric gauge\nsome_other_metric 42.0\n").getBytes(StandardCharsets.UTF_8);
    Path endpoints = Files.writeString(dir.resolve("endpoints.yaml"), endpointsYaml(serve(page), List.of()));
    Path config = Files.writeString(dir.resolve("sidecar.yaml"), """
        engines:
          engineConfigs:
            - name: vllm
              queuedRequestsSpec: "some_other_metric"
        """);
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    Logger runLog = Logger.getLogger(RunCommand.class.getName());
    Handler capture = capture(logged, Level.ALL);
    runLog.addHandler(capture);
    try {
      running = start(Map.of(), "run", "--endpoints-file", endpoints.toString(), "--gpu-probe", "none",
          "--config-file", config.toString(), "--http-host", "127.0.0.1", "--http-port", "0", "--scrape-interval", "20ms");

      JsonNode v = endpoint(awaitLoad(l -> endpoint(l, "vllm-0").get("waitingRequests").asLong() == 42), "vllm-0");
      assertThat(v.get("runningRequests").isNull()).as("the first mapping reads no running requests").isTrue();

      // A new valid mapping: the real vLLM series.
      Files.writeString(config, """
          engines:
            engineConfigs:
              - name: vllm
                queuedRequestsSpec: "vllm:num_requests_waiting"
                runningRequestsSpec: "vllm:num_requests_running"
          """);
      v = endpoint(awaitLoad(l -> endpoint(l, "vllm-0").get("waitingRequests").asLong() == 0
          && !endpoint(l, "vllm-0").get("runningRequests").isNull()), "vllm-0");
      assertThat(v.get("runningRequests").asLong()).isZero();
      assertThat(v.get("healthy").asBoolean()).isTrue();

      // An invalid one (that would read 42 again if it were applied): rejected, the mapping stays.
      Files.writeString(config, """
          engines:
            engineConfigs:
              - name: vllm
                queuedRequestsSpec: "some_other_metric"
                bogus: 1
          """);
      Await.until("a warning", WAIT, () -> logged.stream().anyMatch(r -> r.getLevel() == Level.WARNING));
      assertThat(logged.stream().filter(r -> r.getLevel() == Level.WARNING).map(LogRecord::getMessage))
          .containsExactly("config change rejected, keeping the previous engine mappings: " + config
              + ": engines.engineConfigs[0]: unknown key \"bogus\" (known: name, queuedRequestsSpec, "
              + "runningRequestsSpec, kvUsageSpec, loraSpec, cacheInfoSpec, cacheBlockSizeLabelName, "
              + "cacheNumBlocksLabelName, cacheBlockSizeSpec, cacheNumBlocksSpec, queuedRequestsFallbackSpec, "
              + "runningRequestsFallbackSpec, kvUsageFallbackSpec, kvUsedBlocksSpec, kvTotalBlocksSpec)");
      long sampledBefore = System.currentTimeMillis();
      // Values read by a scrape after the rejection are still those of the second mapping.
      v = endpoint(awaitLoad(l -> endpoint(l, "vllm-0").get("engineSampleAgeMs").asLong()
          < System.currentTimeMillis() - sampledBefore), "vllm-0");
      assertThat(v.get("waitingRequests").asLong()).isZero();
      assertThat(v.get("runningRequests").asLong()).isZero();
      assertThat(v.get("healthy").asBoolean()).isTrue();
      assertThat(get("/healthz")).isEqualTo("ok\n");
      assertThat(running.stop()).isEqualTo(SidecarMain.EXIT_OK);
      running = null;
    } finally {
      runLog.removeHandler(capture);
    }
  }

  @Test
  void wrongTypesAndOversizedFiles_atRuntime_areRejectedWithOneWarningEach_andTheMappingStays() throws Exception {
    byte[] page = (new String(fixture("vllm-v0-aibrix-runtime-doc.prom"), StandardCharsets.UTF_8)
        + "# TYPE some_other_metric gauge\nsome_other_metric 42.0\n").getBytes(StandardCharsets.UTF_8);
    Path endpoints = Files.writeString(dir.resolve("endpoints.yaml"), endpointsYaml(serve(page), List.of()));
    Path config = Files.writeString(dir.resolve("sidecar.yaml"),
        "engines:\n  engineConfigs:\n    - {name: vllm, queuedRequestsSpec: some_other_metric}\n");
    List<LogRecord> logged = new CopyOnWriteArrayList<>();
    Logger root = Logger.getLogger("");
    Handler capture = capture(logged, Level.WARNING);
    root.addHandler(capture);
    try {
      running = start(Map.of(), "run", "--endpoints-file", endpoints.toString(), "--gpu-probe", "none",
          "--config-file", config.toString(), "--http-host", "127.0.0.1", "--http-port", "0", "--scrape-interval", "20ms");
      awaitLoad(l -> endpoint(l, "vllm-0").get("waitingRequests").asLong() == 42);
      String prefix = "config change rejected, keeping the previous engine mappings: " + config + ": ";
      List<String[]> versions = List.of(
          new String[] {"engines: 5\n", "engines: 5 (expected: a map (engineLabelKey, defaultEngine, engineConfigs))"},
          new String[] {"engines: {engineConfigs: 5}\n", "engines.engineConfigs: expected a list, got number 5"},
          new String[] {"engines: {engineConfigs: [{name: vllm, queuedRequestsSpec: 5}]}\n",
              "engines.engineConfigs[0].queuedRequestsSpec: expected a string, got number 5"},
          new String[] {"engines: {defaultEngine: [vllm]}\n", "engines.defaultEngine: expected a string, got a list"},
          new String[] {"httpPort: x\nengines: {}\n", "httpPort: \"x\" (expected: an integer)"},
          new String[] {"- engines\n", "a list (expected: a map of settings)"});
      for (int i = 0; i < versions.size(); i++) {
        Files.writeString(config, versions.get(i)[0]);
        int n = i + 1;
        Await.until("warning " + n, WAIT, () -> logged.size() >= n);
        assertThat(logged.get(i).getLevel()).isEqualTo(Level.WARNING);
        assertThat(logged.get(i).getMessage()).isEqualTo(prefix + versions.get(i)[1]);
      }
      // A file grown past the limit: refused before it is read.
      LargeFiles.sparse(config, 100L << 20);
      Await.until("the size warning", WAIT, () -> logged.size() > versions.size());
      assertThat(logged.getLast().getMessage()).isEqualTo(prefix
          + "104857600 bytes, larger than the 1 MiB limit for a sidecar settings file");

      long sampledBefore = System.currentTimeMillis();
      JsonNode v = endpoint(awaitLoad(l -> endpoint(l, "vllm-0").get("engineSampleAgeMs").asLong()
          < System.currentTimeMillis() - sampledBefore), "vllm-0");
      assertThat(v.get("waitingRequests").asLong()).as("the first mapping is still in force").isEqualTo(42);
      assertThat(logged).as("one warning per rejected version, nothing else").hasSize(versions.size() + 1);
      assertThat(running.stop()).isEqualTo(SidecarMain.EXIT_OK);
      running = null;
    } finally {
      root.removeHandler(capture);
    }
  }

  @Test
  void flagsWinOverEnvironment_andEnvironmentOverFile() throws Exception {
    Path endpoints = Files.writeString(dir.resolve("endpoints.yaml"), endpointsYaml(serve(fixture("vllm-v0-aibrix-runtime-doc.prom")), List.of()));
    try (ServerSocket taken = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      // The file names an address no interface has and a taken port; the environment fixes the
      // address but not the port; the flag fixes the port. Only that order of precedence serves.
      Path config = Files.writeString(dir.resolve("sidecar.yaml"), """
          httpHost: 203.0.113.7
          httpPort: %d
          """.formatted(taken.getLocalPort()));
      running = start(Map.of("LOADFUSE_HTTP_HOST", "127.0.0.1", "LOADFUSE_HTTP_PORT", String.valueOf(taken.getLocalPort())),
          "run", "--config-file", config.toString(), "--endpoints-file", endpoints.toString(), "--gpu-probe", "none",
          "--http-port", "0");

      assertThat(running.port).isNotEqualTo(taken.getLocalPort());
      assertThat(out.toString()).contains(", http://127.0.0.1:" + running.port + "/v1/load");
      awaitLoad(l -> endpoint(l, "vllm-0") != null && endpoint(l, "vllm-0").get("healthy").asBoolean());
    }
  }

  @Test
  void endlessOrHugeFiles_inTheDaemonSetsHeap_exit2WithOneLine_notOutOfMemory() throws Exception {
    // The attack run's case: a 100 MB mock GPU file or sidecar config, or /dev/zero, in a JVM with
    // a small heap ended in an OutOfMemoryError stack trace. Here with -Xmx48m, the footprint flags' heap.
    Path endpoints = Files.writeString(dir.resolve("endpoints.yaml"), endpointsYaml(1, List.of()));
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    for (String[] files : List.of(new String[] {"--mock-gpus", "/dev/zero"}, new String[] {"--config-file", "/dev/zero"},
        new String[] {"--mock-gpus", dir.resolve("huge.yaml").toString()})) {
      Process p = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx48m",
          "-XX:+ExitOnOutOfMemoryError", "-cp", System.getProperty("java.class.path"), SidecarMain.class.getName(),
          "run", "--endpoints-file", endpoints.toString(), files[0], files[1], "--http-port", "0")
          .redirectError(dir.resolve("child-stderr.txt").toFile())
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start();
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited").isTrue();
      String errText = Files.readString(dir.resolve("child-stderr.txt"));
      assertThat(p.exitValue()).as("exit status; stderr: %s", errText).isEqualTo(SidecarMain.EXIT_USAGE);
      assertThat(errText.lines().toList()).as(String.join(" ", files)).hasSize(1)
          .allMatch(l -> l.startsWith("run: " + files[1] + ": ") && l.contains("larger than the 1 MiB limit"));
    }
  }

  @Test
  void sigterm_childJvmStopsCleanlyWithExit0() throws Exception {
    Path endpoints = Files.writeString(dir.resolve("endpoints.yaml"), endpointsYaml(serve(fixture("vllm-v0-aibrix-runtime-doc.prom")), List.of(0)));
    Path gpus = mockGpus();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(java.toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), SidecarMain.class.getName(),
        "run", "--endpoints-file", endpoints.toString(), "--mock-gpus", gpus.toString(),
        "--http-host", "127.0.0.1", "--http-port", "0", "--scrape-interval", "20ms")
        // stderr goes to a file: reading the pipe while the process exits can fail with
        // "Stream closed" (the JDK drains and closes it when the process ends).
        .redirectError(dir.resolve("child-stderr.txt").toFile())
        .start();
    try {
      CompletableFuture<String> firstLine = onOwnThread(() -> firstLine(p.getInputStream()));
      String line = firstLine.get(60, TimeUnit.SECONDS);
      assertThat(line).startsWith("loadfuse sidecar: file " + endpoints + ", 1 endpoint(s), GPU probe mock");

      p.destroy(); // SIGTERM

      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("exited after SIGTERM").isTrue();
      String errText = Files.readString(dir.resolve("child-stderr.txt"));
      assertThat(p.exitValue()).as("exit status; stderr: %s", errText).isEqualTo(SidecarMain.EXIT_OK);
      assertThat(errText).doesNotContainIgnoringCase("exception").doesNotContainIgnoringCase("severe")
          .doesNotContainIgnoringCase("warn").doesNotContainIgnoringCase("error").doesNotContain("SLF4J");
    } finally {
      p.destroyForcibly();
    }
  }

  // ---------------------------------------------------------------- helpers

  /** A log handler that adds every record of {@code min} or above to {@code into}. */
  private static Handler capture(List<LogRecord> into, Level min) {
    return new Handler() {
      @Override
      public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= min.intValue()) {
          into.add(r);
        }
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
  }

  /** A {@code run} in process on its own thread, until {@link #stop}. */
  private final class Running {
    final RunCommand command;
    final CompletableFuture<Integer> exit;
    final int port;

    Running(RunCommand command, CompletableFuture<Integer> exit, int port) {
      this.command = command;
      this.exit = exit;
      this.port = port;
    }

    int stop() throws Exception {
      command.stopSignal.countDown();
      return exit.get(30, TimeUnit.SECONDS);
    }
  }

  private int runToEnd(Map<String, String> env, String... args) {
    picocli.CommandLine cli = SidecarMain.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
    RunCommand run = cli.getSubcommands().get("run").getCommand();
    run.environment = env;
    return cli.execute(args);
  }

  private Running start(Map<String, String> env, String... args) throws Exception {
    picocli.CommandLine cli = SidecarMain.commandLine(new PrintWriter(out, true), new PrintWriter(err, true));
    RunCommand run = cli.getSubcommands().get("run").getCommand();
    run.environment = env;
    CompletableFuture<Integer> port = new CompletableFuture<>();
    run.onServing = port::complete;
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    Thread.ofPlatform().name("run-command-test").daemon().start(() -> {
      try {
        exit.complete(cli.execute(args));
      } catch (Throwable t) {
        exit.completeExceptionally(t);
      }
    });
    try {
      CompletableFuture.anyOf(port, exit).get(60, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      throw new AssertionError("not serving within 60 s; stderr: " + err, e);
    }
    if (!port.isDone()) {
      throw new AssertionError("run ended with " + exit.get() + " before serving; stderr: " + err);
    }
    return new Running(run, exit, port.get());
  }

  private static String endpointsYaml(int port, List<Integer> gpuIndexes) {
    return SidecarTestFiles.oneVllm(port, gpuIndexes.stream().map(i -> i == 0 ? GPU_A : GPU_B).toArray(String[]::new));
  }

  private Path mockGpus() throws IOException {
    return Files.writeString(dir.resolve("gpus.yaml"), SidecarTestFiles.mockGpus(false));
  }


  private int serve(byte[] page) throws Exception {
    return vertx.createHttpServer()
        .requestHandler(req -> req.response().end(Buffer.buffer(page)))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  private String get(String path) throws Exception {
    return client.get(running.port, "127.0.0.1", path).send().await(10, TimeUnit.SECONDS).bodyAsString();
  }

  /** Polls /v1/load until {@code condition} holds (bounded), then returns it. */
  private JsonNode awaitLoad(Predicate<JsonNode> condition) {
    try {
      return Await.value("/v1/load", WAIT, () -> LoadJson.MAPPER.readTree(get("/v1/load")), condition);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; stderr: " + err, e);
    }
  }

  /** Not supplyAsync: on 2 cores the common pool has one thread, and these calls block. */
  private static CompletableFuture<String> onOwnThread(java.util.function.Supplier<String> blocking) {
    CompletableFuture<String> f = new CompletableFuture<>();
    Thread.ofPlatform().daemon().start(() -> {
      try {
        f.complete(blocking.get());
      } catch (Throwable t) {
        f.completeExceptionally(t);
      }
    });
    return f;
  }

  private static String firstLine(InputStream in) {
    try {
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      String line = r.readLine();
      // Keep draining so the child never blocks on a full pipe.
      Thread.ofVirtual().start(() -> {
        try {
          r.transferTo(java.io.Writer.nullWriter());
        } catch (IOException ignored) {
          // the child is gone
        }
      });
      return line;
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
