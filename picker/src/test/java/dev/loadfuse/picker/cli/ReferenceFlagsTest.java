package dev.loadfuse.picker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.discovery.kubernetes.LabelSelector;
import dev.loadfuse.discovery.kubernetes.PoolApi;
import dev.loadfuse.picker.server.PickerOptions;
import dev.loadfuse.picker.testing.MockApiServer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import java.io.StringWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The reference's flags (GIE v1.5 EPP and the llm-d router v0.10), group by group: their defaults
 * are the reference's, they parse as Go's pflag parses them, and a bad value gets one line naming
 * the flag and exit 2.
 */
class ReferenceFlagsTest {

  private static final String[] POOL = {"--pool-name", "vllm-pool", "--pool-namespace", "llm"};

  @TempDir static Path dir;

  static Path endpoints() throws Exception {
    return PickerMainTest.emptyEndpointsFile(dir);
  }

  private static PickerOptions options(String... args) {
    String[] all = Stream.concat(Stream.of(POOL), Stream.of(args)).toArray(String[]::new);
    return PickerMainTest.options(Map.of(), all);
  }

  private static PickerMain parsed(String... args) {
    PickerMain main = new PickerMain();
    PickerMain.commandLine(main, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())).parseArgs(args);
    return main;
  }

  static Stream<Arguments> defaults() {
    return Stream.of(
        Arguments.of("--pool-group", (Function<PickerOptions, Object>) PickerOptions::getPoolGroup, "inference.networking.k8s.io"),
        Arguments.of("--ha-enable-leader-election", (Function<PickerOptions, Object>) PickerOptions::isHaEnableLeaderElection, false),
        Arguments.of("--drain-timeout", (Function<PickerOptions, Object>) PickerOptions::getDrainTimeout, Duration.ofSeconds(30)),
        Arguments.of("--grpc-max-recv-msg-size", (Function<PickerOptions, Object>) o -> String.valueOf(o.getGrpcMaxRecvMsgSize()), "null"),
        Arguments.of("--grpc-max-send-msg-size", (Function<PickerOptions, Object>) o -> String.valueOf(o.getGrpcMaxSendMsgSize()), "null"),
        Arguments.of("--tls-min-version", (Function<PickerOptions, Object>) o -> String.valueOf(o.getTlsMinVersion()), "null"),
        Arguments.of("--tls-cipher-suites", (Function<PickerOptions, Object>) PickerOptions::getTlsCipherSuites, List.of()),
        Arguments.of("--enable-cert-reload", (Function<PickerOptions, Object>) PickerOptions::isEnableCertReload, false),
        Arguments.of("--health-checking", (Function<PickerOptions, Object>) PickerOptions::isHealthChecking, false),
        Arguments.of("--metrics-endpoint-auth", (Function<PickerOptions, Object>) PickerOptions::isMetricsEndpointAuth, true),
        Arguments.of("--enable-pprof", (Function<PickerOptions, Object>) PickerOptions::isEnablePprof, true),
        Arguments.of("--tracing", (Function<PickerOptions, Object>) PickerOptions::isTracing, true),
        Arguments.of("--refresh-prometheus-metrics-interval",
            (Function<PickerOptions, Object>) PickerOptions::getRefreshPrometheusMetricsInterval, Duration.ofSeconds(5)),
        Arguments.of("--refresh-metrics-interval", (Function<PickerOptions, Object>) PickerOptions::getRefreshMetricsInterval,
            Duration.ofMillis(50)),
        Arguments.of("--metrics-staleness-threshold", (Function<PickerOptions, Object>) PickerOptions::getMetricsStalenessThreshold,
            Duration.ofSeconds(2)),
        Arguments.of("--secure-serving", (Function<PickerOptions, Object>) PickerOptions::isSecureServing, true),
        Arguments.of("--disable-endpoint-subset-filter", (Function<PickerOptions, Object>) PickerOptions::isDisableEndpointSubsetFilter, false),
        Arguments.of("--emit-endpoint-scores", (Function<PickerOptions, Object>) PickerOptions::isEmitEndpointScores, false),
        Arguments.of("--enable-grpc-stream-metrics", (Function<PickerOptions, Object>) PickerOptions::isEnableGrpcStreamMetrics, false),
        Arguments.of("--allow-experimental-plugins", (Function<PickerOptions, Object>) PickerOptions::isAllowExperimentalPlugins, false),
        Arguments.of("--grpc-port", (Function<PickerOptions, Object>) PickerOptions::getGrpcPort, 9002),
        Arguments.of("--grpc-health-port", (Function<PickerOptions, Object>) PickerOptions::getGrpcHealthPort, 9003),
        Arguments.of("--metrics-port", (Function<PickerOptions, Object>) PickerOptions::getMetricsPort, 9090));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("defaults")
  void defaults_areTheReferences(String flag, Function<PickerOptions, Object> get, Object expected) {
    assertThat(get.apply(options())).isEqualTo(expected);
  }

  @Test
  void verbosity_defaultsToTheReferences2() {
    assertThat(parsed().verbosity).isEqualTo(2);
    assertThat(Logging.level(parsed().verbosity)).isEqualTo(Level.INFO);
  }

  @Test
  void metricsEndpointAuth_defaultsOff_whereNoApiServerIsAsked() throws Exception {
    assertThat(PickerMainTest.options(Map.of(), "--endpoints-file", endpoints().toString())
        .isMetricsEndpointAuth()).isFalse();
    assertThat(PickerMainTest.options(Map.of(), "--endpoint-selector", "app=vllm", "--endpoint-target-ports", "8000")
        .isMetricsEndpointAuth()).isTrue();
    assertThat(options("--metrics-endpoint-auth=false").isMetricsEndpointAuth()).isFalse();
  }

  // ---------------------------------------------------------------- parsing as pflag parses

  static Stream<Arguments> booleans() {
    return Stream.of(
        Arguments.of(new String[] {"--tracing"}, true),
        Arguments.of(new String[] {"--tracing=false"}, false),
        Arguments.of(new String[] {"--tracing=true"}, true),
        Arguments.of(new String[] {"--tracing=0"}, false),
        Arguments.of(new String[] {"--tracing=f"}, false),
        Arguments.of(new String[] {"--tracing=F"}, false),
        Arguments.of(new String[] {"--tracing=FALSE"}, false),
        Arguments.of(new String[] {"--tracing=1"}, true),
        Arguments.of(new String[] {"--tracing=T"}, true),
        // pflag: a boolean takes its value only attached; "false" is a positional argument.
        Arguments.of(new String[] {"--tracing", "false"}, true),
        // the last one wins
        Arguments.of(new String[] {"--tracing=false", "--tracing"}, true),
        Arguments.of(new String[] {"--tracing", "--tracing=false"}, false));
  }

  @ParameterizedTest
  @MethodSource("booleans")
  void booleanFlags_takeAnAttachedValueOnly(String[] args, boolean tracing) {
    assertThat(options(args).isTracing()).isEqualTo(tracing);
  }

  @Test
  void booleanFlag_withADetachedValue_leavesItAsAnIgnoredPositional_withAWarning() throws Exception {
    StringWriter err = new StringWriter();
    // --grpc-port=70000 stops the start after the warning.
    int code = PickerMain.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "--endpoints-file",
        endpoints().toString(), "--tracing", "false", "--grpc-port=70000");
    assertThat(code).isEqualTo(PickerMain.EXIT_USAGE);
    assertThat(err.toString()).startsWith("picker: ignoring positional argument(s) [false] (a boolean flag takes its"
        + " value attached: --flag=false)\n");
  }

  @Test
  void everyBooleanFlag_takesEqualsFalse() {
    PickerOptions o = options("--ha-enable-leader-election=false", "--enable-cert-reload=false", "--health-checking=false",
        "--metrics-endpoint-auth=false", "--enable-pprof=false", "--tracing=false", "--secure-serving=false",
        "--disable-endpoint-subset-filter=true", "--emit-endpoint-scores=true", "--enable-grpc-stream-metrics=true",
        "--allow-experimental-plugins=true");
    assertThat(List.of(o.isHaEnableLeaderElection(), o.isEnableCertReload(), o.isHealthChecking(),
        o.isMetricsEndpointAuth(), o.isEnablePprof(), o.isTracing(), o.isSecureServing()))
        .containsOnly(false);
    assertThat(List.of(o.isDisableEndpointSubsetFilter(), o.isEmitEndpointScores(), o.isEnableGrpcStreamMetrics(),
        o.isAllowExperimentalPlugins())).containsOnly(true);
  }

  static Stream<Arguments> verbosity() {
    return Stream.of(
        Arguments.of(new String[] {"-v", "4"}, 4), Arguments.of(new String[] {"-v=4"}, 4), Arguments.of(new String[] {"-v4"}, 4),
        Arguments.of(new String[] {"--v", "3"}, 3), Arguments.of(new String[] {"--v=1"}, 1),
        Arguments.of(new String[] {"--v", "1", "--v", "5"}, 5));
  }

  @ParameterizedTest
  @MethodSource("verbosity")
  void verbosity_inEveryForm(String[] args, int level) {
    assertThat(parsed(args).verbosity).isEqualTo(level);
  }

  @Test
  void scalars_lastWins_listsAppend() {
    PickerOptions o = options("--grpc-port", "1", "--grpc-port=2", "--tls-cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "--tls-cipher-suites=TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,TLS_AES_128_GCM_SHA256");
    assertThat(o.getGrpcPort()).isEqualTo(2);
    assertThat(o.getTlsCipherSuites()).containsExactly("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_AES_128_GCM_SHA256");
    PickerOptions ports = PickerMainTest.options(Map.of(), "--endpoint-selector", "app=vllm", "--endpoint-target-ports=8000",
        "--endpoint-target-ports", "8001,8000");
    assertThat(ports.getEndpointTargetPorts()).as("appended; a repeat counts once").containsExactly(8000, 8001);
  }

  @Test
  void valuesInTheReferencesForms() {
    PickerOptions o = options("--drain-timeout", "1m30s", "--grpc-max-recv-msg-size", "10MiB", "--grpc-max-send-msg-size=25MB",
        "--tls-min-version", "VersionTLS13", "--refresh-prometheus-metrics-interval", "2s500ms", "--pool-group",
        "inference.networking.x-k8s.io");
    assertThat(o.getDrainTimeout()).isEqualTo(Duration.ofSeconds(90));
    assertThat(o.getGrpcMaxRecvMsgSize()).isEqualTo(10 << 20);
    assertThat(o.getGrpcMaxSendMsgSize()).isEqualTo(25_000_000);
    assertThat(o.getTlsMinVersion()).isEqualTo("VersionTLS13");
    assertThat(o.getRefreshPrometheusMetricsInterval()).isEqualTo(Duration.ofMillis(2500));
    assertThat(o.kubernetes().poolApis()).isEqualTo(Set.of(PoolApi.V1ALPHA2));
    assertThat(options("--drain-timeout=0").getDrainTimeout()).isZero();
    assertThat(options("--grpc-max-recv-msg-size=").getGrpcMaxRecvMsgSize()).as("empty: not given").isNull();
    assertThat(options().kubernetes().poolApis()).as("not given: both").isEqualTo(Set.of(PoolApi.V1, PoolApi.V1ALPHA2));
    assertThat(options("--pool-group=inference.networking.k8s.io").kubernetes().poolApis()).isEqualTo(Set.of(PoolApi.V1));
  }

  @Test
  void endpointSelector_takesTheFullLabelSelectorSyntax() {
    PickerOptions o = PickerMainTest.options(Map.of(), "--endpoint-selector", "app in (vllm,sglang),tier!=cpu,!canary",
        "--endpoint-target-ports", "8000");
    assertThat(o.getEndpointSelector()).isEqualTo(LabelSelector.parse("app in (sglang,vllm),tier!=cpu,!canary"));
    assertThat(o.kubernetes().selectorPool().selects(MockApiServer.pod("default", "p", Map.of("app", "sglang"), true, "10.0.0.1"))).isTrue();
    assertThat(o.kubernetes().selectorPool().selects(MockApiServer.pod("default", "p", Map.of("app", "sglang", "canary", "y"), true, "10.0.0.1"))).isFalse();
  }

  @Test
  void deprecatedModelServerMetricFlags_areKept_withALineEach() throws Exception {
    PickerOptions o = options("--model-server-metrics-scheme", "https", "--model-server-metrics-path=/m",
        "--model-server-metrics-port", "8002", "--model-server-metrics-https-insecure-skip-verify=false");
    assertThat(o.getModelServerMetricsScheme()).isEqualTo("https");
    assertThat(o.getModelServerMetricsPath()).isEqualTo("/m");
    assertThat(o.getModelServerMetricsPort()).isEqualTo(8002);
    assertThat(o.getModelServerMetricsHttpsInsecureSkipVerify()).isFalse();
    assertThat(options().getModelServerMetricsScheme()).isNull();
    StringWriter err = new StringWriter();
    PickerMain.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "--endpoints-file",
        endpoints().toString(), "--model-server-metrics-path=/m", "--grpc-port=70000");
    assertThat(err.toString()).startsWith("picker: flag --model-server-metrics-path has been deprecated; configure the"
        + " metrics-data-source plugin's parameters in the EndpointPickerConfig instead\n");
  }

  @Test
  void help_saysWhatEnablePprofDoesHere_andHidesTheDeprecatedFlags() {
    StringWriter out = new StringWriter();
    assertThat(PickerMain.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "--help")).isZero();
    String help = out.toString().replaceAll("\\s+", " ");
    assertThat(help).contains("--enable-pprof", "ignored: Go's pprof handlers have no counterpart served here",
        "jcmd 1 JFR.start", "--pool-group", "--ha-enable-leader-election", "--drain-timeout", "--grpc-max-recv-msg-size",
        "--grpc-max-send-msg-size", "--tls-min-version", "--tls-cipher-suites", "--metrics-client-ca-file",
        "--metrics-cert-dir", "--emit-endpoint-scores", "--enable-grpc-stream-metrics", "--allow-experimental-plugins",
        "--enable-cert-reload", "--metrics-endpoint-auth", "--refresh-prometheus-metrics-interval",
        "--disable-endpoint-subset-filter", "--health-checking", "--tracing", "--zap-encoder", "--zap-log-level",
        "--zap-stacktrace-level", "--zap-time-encoding", "--zap-devel");
    assertThat(help).doesNotContain("--total-queued-requests-metric", "--model-server-metrics-scheme");
  }

  // ---------------------------------------------------------------- bad values: one line, exit 2

  static Stream<Arguments> badValues() {
    return Stream.of(
        Arguments.of(new String[] {"--tracing=yes"}, "picker: --tracing: \"yes\" (expected: true or false)"),
        Arguments.of(new String[] {"--metrics-endpoint-auth=maybe"}, "picker: --metrics-endpoint-auth: \"maybe\" (expected: true or false)"),
        Arguments.of(new String[] {"--drain-timeout", "5"},
            "picker: --drain-timeout: \"5\" (expected: a number and a unit: ns, us, ms, s, m or h, e.g. 50ms)"),
        Arguments.of(new String[] {"--refresh-prometheus-metrics-interval", "0"},
            "picker: --refresh-prometheus-metrics-interval: \"0\" (expected: > 0)"),
        Arguments.of(new String[] {"--grpc-max-recv-msg-size", "lots"},
            "picker: --grpc-max-recv-msg-size: \"lots\" (expected: a size such as 4194304, 4Mi, 10MiB or 25MB)"),
        Arguments.of(new String[] {"--grpc-max-send-msg-size", "-1"},
            "picker: --grpc-max-send-msg-size: \"-1\" (expected: a size such as 4194304, 4Mi, 10MiB or 25MB)"),
        Arguments.of(new String[] {"--grpc-max-send-msg-size", "8Gi"},
            "picker: --grpc-max-send-msg-size: \"8Gi\" (expected: 1 byte to 2147483647)"),
        Arguments.of(new String[] {"--tls-min-version", "TLS1.3"},
            "picker: --tls-min-version: \"TLS1.3\" (expected: one of VersionTLS10, VersionTLS11, VersionTLS12, VersionTLS13)"),
        Arguments.of(new String[] {"--tls-cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,NOPE"},
            "picker: --tls-cipher-suites: unknown cipher suite \"NOPE\" (expected: Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)"),
        Arguments.of(new String[] {"--pool-group", "example.com"},
            "picker: --pool-group: \"example.com\" (expected: inference.networking.k8s.io or inference.networking.x-k8s.io)"),
        Arguments.of(new String[] {"--model-server-metrics-scheme", "ftp"},
            "picker: --model-server-metrics-scheme: \"ftp\" (expected: one of http, https)"),
        Arguments.of(new String[] {"--model-server-metrics-port", "x"},
            "picker: --model-server-metrics-port: \"x\" (expected: an integer)"),
        Arguments.of(new String[] {"--total-queued-requests-metric", "vllm:num_requests_waiting"},
            "picker: --total-queued-requests-metric: deprecated and refused (as in the reference): give the engine's"
                + " metrics in the EndpointPickerConfig instead (core-metrics-extractor's defaultEngine or engineConfigs)"),
        Arguments.of(new String[] {"--cache-info-metric=\"sglang:cache_config_info\""},
            "picker: --cache-info-metric: deprecated and refused"),
        Arguments.of(new String[] {"--lora-info-metric", ""}, "picker: --lora-info-metric: deprecated and refused"),
        Arguments.of(new String[] {"--metrics-client-ca-file", "/ca.pem"},
            "picker: --metrics-client-ca-file needs --metrics-cert-dir (client certificates are checked only on a TLS metrics port)"),
        Arguments.of(new String[] {"--metrics-cert-dir", "/certs", "--metrics-endpoint-auth=false"},
            "picker: --metrics-cert-dir: TLS without authentication; give --metrics-client-ca-file or --metrics-endpoint-auth=true"),
        Arguments.of(new String[] {"--zap-encoder", "xml"}, "picker: --zap-encoder: \"xml\" (expected: json or console)"),
        Arguments.of(new String[] {"--zap-log-level", "warn"},
            "picker: --zap-log-level: \"warn\" (expected: debug, info, error, panic or an integer > 0)"),
        Arguments.of(new String[] {"--zap-log-level", "0"},
            "picker: --zap-log-level: \"0\" (expected: debug, info, error, panic or an integer > 0)"),
        Arguments.of(new String[] {"--zap-stacktrace-level", "debug"},
            "picker: --zap-stacktrace-level: \"debug\" (expected: info, error or panic)"),
        Arguments.of(new String[] {"--zap-time-encoding", "nano"},
            "picker: --zap-time-encoding: \"nano\" (expected: epoch, millis, nanos, iso8601, rfc3339 or rfc3339nano)"),
        Arguments.of(new String[] {"--grpc-port", "abc"}, "picker: Invalid value for option '--grpc-port': 'abc' is not an int"),
        Arguments.of(new String[] {"--pool-name"}, "picker: Missing required parameter for option '--pool-name'"),
        // Flags that the reference does not have either are refused, named.
        Arguments.of(new String[] {"--kubeconfig", "/k"}, "picker: Unknown option: '--kubeconfig'"),
        Arguments.of(new String[] {"--grpc-enable-compression"}, "picker: Unknown option: '--grpc-enable-compression'"),
        Arguments.of(new String[] {"-grpc-port", "1"}, "picker: Unknown option: '-grpc-port'"));
  }

  @ParameterizedTest
  @MethodSource("badValues")
  void badValue_exit2_oneLineNamingTheFlag(String[] args, String message) {
    String[] all = Stream.concat(Stream.of(POOL), Stream.of(args)).toArray(String[]::new);
    StringWriter err = new StringWriter();
    int code = PickerMain.run(new PrintWriter(new StringWriter()), new PrintWriter(err), all);
    assertThat(code).isEqualTo(PickerMain.EXIT_USAGE);
    // A deprecated flag's line may come first, as pflag prints it.
    assertThat(err.toString().lines().toList().getLast()).startsWith(message);
  }

  @Test
  void leaderElection_needsKubernetesMode() throws Exception {
    StringWriter err = new StringWriter();
    int code = PickerMain.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "--endpoints-file",
        endpoints().toString(), "--ha-enable-leader-election");
    assertThat(code).isEqualTo(PickerMain.EXIT_USAGE);
    assertThat(err.toString()).isEqualTo("picker: --ha-enable-leader-election: only in Kubernetes mode (the Lease lives in"
        + " the API server; not with --endpoints-file)\n");
  }

  // ---------------------------------------------------------------- logging flags

  @Test
  void zapLogLevel_winsOverV() {
    assertThat(LogSettings.of(0, "debug", null, null, null).level()).isEqualTo(Level.FINE);
    assertThat(LogSettings.of(0, "error", null, null, null).level()).isEqualTo(Level.SEVERE);
    assertThat(LogSettings.of(0, "5", null, null, null).level()).isEqualTo(Level.FINEST);
    assertThat(LogSettings.of(4, null, null, null, null).level()).isEqualTo(Level.FINE);
    assertThat(LogSettings.of(2, null, "JSON", null, null).json()).isTrue();
  }

  @Test
  void zapEncoderJson_writesOneObjectALine_withTheTimeEncodingAndStackTraceLevel() {
    LogRecord r = new LogRecord(Level.WARNING, "pool \"p\" gone");
    r.setLoggerName("dev.loadfuse.x");
    r.setInstant(Instant.parse("2026-01-02T03:04:05.123456789Z"));
    r.setThrown(new IllegalStateException("boom"));
    String epoch = new Logging.LineFormatter(LogSettings.of(2, null, "json", "error", null)).format(r);
    assertThat(epoch).isEqualTo("{\"level\":\"warn\",\"ts\":1767323045.123456789,\"logger\":\"dev.loadfuse.x\","
        + "\"msg\":\"pool \\\"p\\\" gone\",\"error\":\"java.lang.IllegalStateException: boom\"}" + System.lineSeparator());
    String rfc = new Logging.LineFormatter(LogSettings.of(2, null, "json", "info", "rfc3339")).format(r);
    assertThat(rfc).startsWith("{\"level\":\"warn\",\"ts\":\"2026-01-02T03:04:05Z\",").contains("\"stacktrace\":\"java.lang.IllegalStateException: boom\\n\\tat ");
    assertThat(new Logging.LineFormatter(LogSettings.of(2, null, null, null, "millis")).format(r))
        .startsWith("1767323045123.456789 WARNING dev.loadfuse.x: pool \"p\" gone");
    assertThat(new Logging.LineFormatter(LogSettings.of(2, null, null, null, "nanos")).format(r))
        .startsWith("1767323045123456789 WARNING");
  }
}
