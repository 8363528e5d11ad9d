package dev.loadfuse.picker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.common.testing.LargeFiles;
import dev.loadfuse.discovery.kubernetes.KubernetesDiscoveryOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import dev.loadfuse.discovery.kubernetes.LabelSelector;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PickerMainTest {

  @TempDir static Path dir;

  static Path endpoints() throws Exception {
    return emptyEndpointsFile(dir);
  }

  /** {@code dir}'s endpoints file of a pool without endpoints (written once). */
  static Path emptyEndpointsFile(Path dir) throws Exception {
    Path f = dir.resolve("endpoints.yaml");
    if (!Files.exists(f)) {
      Files.writeString(f, "pool: {name: p}\nendpoints: []\n");
    }
    return f;
  }

  static Stream<Arguments> usageErrors() throws Exception {
    String ep = endpoints().toString();
    Path badConfig = dir.resolve("bad.yaml");
    Files.writeString(badConfig, """
        apiVersion: inference.networking.x-k8s.io/v1alpha1
        kind: EndpointPickerConfig
        plugins: [{type: queue-scorer}]
        schedulingProfiles: [{name: d, plugins: [{pluginRef: queue-scorer, weight: -2}]}]
        """);
    return Stream.of(
        Arguments.of(new String[] {}, "picker: no endpoints: give --endpoints-file FILE (local mode), --pool-name NAME or"
            + " --endpoint-selector k=v --endpoint-target-ports PORT (Kubernetes mode), or --cluster"),
        Arguments.of(new String[] {"--pool-name", "p", "--endpoint-selector", "app=vllm", "--endpoint-target-ports", "8000"},
            "picker: --pool-name and --endpoint-selector: give one"),
        Arguments.of(new String[] {"--endpoint-selector", "app=vllm"}, "picker: --endpoint-selector: needs --endpoint-target-ports"),
        Arguments.of(new String[] {"--endpoint-target-ports", "8000"}, "picker: --endpoint-target-ports: needs --endpoint-selector"),
        Arguments.of(new String[] {"--endpoint-selector", "app in (a", "--endpoint-target-ports", "8000"},
            "picker: --endpoint-selector: \"app in (a\": after \"app in (\": missing \")\" (expected: " + LabelSelector.EXPECTED + ")"),
        Arguments.of(new String[] {"--endpoint-selector", "app=a,", "--endpoint-target-ports", "8000"},
            "picker: --endpoint-selector: \"app=a,\": missing a label key at the end (expected: " + LabelSelector.EXPECTED + ")"),
        Arguments.of(new String[] {"--endpoint-selector", "app=a", "--endpoint-target-ports", "8000,x"},
            "picker: --endpoint-target-ports: \"8000,x\": item 2 \"x\" (expected: a port in [1, 65535])"),
        Arguments.of(new String[] {"--endpoint-selector", "app=a", "--endpoint-target-ports", "8000,0"},
            "picker: --endpoint-target-ports: \"8000,0\": item 2 \"0\" (expected: a port in [1, 65535])"),
        Arguments.of(new String[] {"--endpoint-selector", "app=a", "--endpoint-target-ports", "1,2,3,4,5,6,7,8,9"},
            "picker: --endpoint-target-ports: 9 ports (expected: 1 to 8)"),
        Arguments.of(new String[] {"--pool-namespace", "llm"}, "picker: --pool-namespace: needs --pool-name or --endpoint-selector"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--pool-namespace", "llm"},
            "picker: --pool-namespace: only in Kubernetes mode (not with --endpoints-file)"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--endpoint-selector", "a=b", "--endpoint-target-ports", "1"},
            "picker: --endpoint-selector/--endpoint-target-ports and --endpoints-file: give one source of endpoints"),
        Arguments.of(new String[] {"--pool-name", "p", "--objects-file", "o.yaml"},
            "picker: --objects-file: not in Kubernetes mode (InferenceObjectives and InferenceModelRewrites are read from the API server)"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--config-file", "a.yaml", "--config-text", "x"},
            "picker: --config-file and --config-text: give one, not both"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--config-file", badConfig.toString()},
            "picker: " + badConfig + ": schedulingProfiles[0].plugins[0].weight: -2 (expected: >= 0)"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--config-text", "kind: Nope"},
            "picker: --config-text: apiVersion: missing"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--refresh-metrics-interval", "fast"},
            "picker: --refresh-metrics-interval"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--secure-serving=false", "--cert-path", "/tmp"},
            "picker: --cert-path needs --secure-serving=true"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--objects-file", dir.resolve("none.yaml").toString()},
            "picker: " + dir.resolve("none.yaml") + ": cannot read: no such file"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--grpc-port", "70000"},
            "picker: --grpc-port: 70000 (expected: [0, 65535])"),
        Arguments.of(new String[] {"--cluster-members", "a:5701", "--cluster-service", "loadfuse-sidecar"},
            "picker: --cluster-members and --cluster-service: give one (a member list, or the headless Service whose pods are the members)"),
        Arguments.of(new String[] {"--cluster-members", "a:5701", "--cluster-insecure"},
            "picker: --cluster without the pool's endpoints: give --endpoints-file FILE or --pool-name NAME (the endpoints"
            + " to route to; the sidecars' vectors bring their load), or --route-to-announced-endpoints to route to every"
            + " endpoint a cluster member announces"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--route-to-announced-endpoints"},
            "picker: --route-to-announced-endpoints: only with --cluster and without --endpoints-file, --pool-name or"
            + " --endpoint-selector (which name the endpoints to route to)"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--max-open-streams", "0"},
            "picker: --max-open-streams: 0 (expected: "),
        Arguments.of(new String[] {"--endpoints-file", ep, "--request-idle-timeout", "forever"},
            "picker: --request-idle-timeout"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--max-buffered-bytes", "lots"},
            "picker: --max-buffered-bytes"),
        Arguments.of(new String[] {"--cluster-service", " "},
            "picker: --cluster-service: \" \" (expected: a Service name)"),
        Arguments.of(new String[] {"--no-such-flag"}, "picker: Unknown option: '--no-such-flag'"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--gpu-probe", "cuda"},
            "picker: --gpu-probe: \"cuda\" (expected: one of auto, nvml, mock, none, nvml-or-mock)"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--mock-gpus", dir.resolve("no-gpus.yaml").toString()},
            "picker: " + dir.resolve("no-gpus.yaml") + ": cannot read: no such file"),
        Arguments.of(new String[] {"--cluster-members", "a:5701", "--route-to-announced-endpoints", "--mock-gpus", "g.yaml"},
            "picker: --gpu-probe, --mock-gpus, --nvml-library: only with the in-process sidecar"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--options-file", dir.resolve("no-options.yaml").toString()},
            "picker: " + dir.resolve("no-options.yaml") + ": cannot read: no such file"),
        Arguments.of(new String[] {"--endpoints-file", dir.resolve("missing.yaml").toString(), "--secure-serving=false",
            "--grpc-port", "0", "--grpc-health-port", "0", "--metrics-port", "0"},
            "picker: cannot start: " + dir.resolve("missing.yaml") + ": cannot read: no such file"));
  }

  @ParameterizedTest
  @MethodSource("usageErrors")
  void badFlags_exit2_withOneLineNamingTheProblem(String[] args, String message) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = PickerMain.run(new PrintWriter(out), new PrintWriter(err), args);
    assertThat(code).isEqualTo(PickerMain.EXIT_USAGE);
    assertThat(err.toString()).startsWith(message);
  }

  /** A config, objects, options, mock GPU or endpoints file too large, or endless: one line, exit 2, nothing read past the limit. */
  static Stream<Arguments> oversizedFiles() throws Exception {
    String ep = endpoints().toString();
    Path huge = LargeFiles.sparse(dir.resolve("huge.yaml"), 100L << 20);
    String zero = "/dev/zero";
    return Stream.of(
        Arguments.of(new String[] {"--endpoints-file", ep, "--config-file", huge.toString()},
            huge + ": 104857600 bytes, larger than the 4 MiB limit for an EndpointPickerConfig"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--config-file", zero},
            zero + ": more than 4194304 bytes (still growing when read), larger than the 4 MiB limit for an EndpointPickerConfig"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--objects-file", huge.toString()},
            huge + ": 104857600 bytes, larger than the 4 MiB limit for a routing objects file"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--objects-file", zero},
            zero + ": more than 4194304 bytes (still growing when read), larger than the 4 MiB limit for a routing objects file"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--options-file", huge.toString()},
            huge + ": 104857600 bytes, larger than the 1 MiB limit for a picker options file"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--options-file", zero},
            zero + ": more than 1048576 bytes (still growing when read), larger than the 1 MiB limit for a picker options file"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--mock-gpus", zero},
            zero + ": more than 1048576 bytes (still growing when read), larger than the 1 MiB limit for a mock GPU file"),
        Arguments.of(new String[] {"--endpoints-file", huge.toString(), "--secure-serving=false", "--grpc-port", "0",
            "--grpc-health-port", "0", "--metrics-port", "0"},
            "cannot start: " + huge + ": 104857600 bytes, larger than the 1 MiB limit for an endpoints file"));
  }

  @ParameterizedTest
  @MethodSource({"oversizedFiles", "clusterSecretErrors"})
  void oversizedOrEndlessFiles_orAClusterWithoutAUsableSecret_exit2_withOneLine(String[] args, String message) {
    StringWriter err = new StringWriter();
    int code = PickerMain.run(new PrintWriter(new StringWriter()), new PrintWriter(err), args);
    assertThat(err.toString()).isEqualTo("picker: " + message + "\n");
    assertThat(code).isEqualTo(PickerMain.EXIT_USAGE);
  }

  @Test
  void nvmlDemanded_butAbsent_exit3NamingWhatWasTried_asSidecarRunDoes() throws Exception {
    StringWriter err = new StringWriter();
    int code = PickerMain.run(new PrintWriter(new StringWriter()), new PrintWriter(err), "--endpoints-file",
        endpoints().toString(), "--gpu-probe", "nvml", "--nvml-library", "/nonexistent/libnvidia-ml.so.1");
    assertThat(code).isEqualTo(PickerMain.EXIT_UNAVAILABLE);
    assertThat(err.toString()).isEqualTo("picker: NVML unavailable: cannot load /nonexistent/libnvidia-ml.so.1 (no such file)\n");
  }

  @Test
  void help_listsTheReferenceFlags() {
    StringWriter out = new StringWriter();
    assertThat(PickerMain.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "--help")).isZero();
    assertThat(out.toString()).contains("--grpc-port", "--grpc-health-port", "--metrics-port", "--config-file",
        "--config-text", "--pool-name", "--pool-namespace", "--endpoint-selector", "--endpoint-target-ports",
        "--refresh-metrics-interval", "--metrics-staleness-threshold", "--secure-serving", "--cert-path", "-v",
        "--endpoints-file", "--cluster", "--cluster-members", "--cluster-service", "--cluster-secret-file", "--cluster-insecure", "--options-file", "--gpu-probe",
        "--mock-gpus", "--nvml-library", "--bind-address", "--route-to-announced-endpoints", "--max-connections",
        "--max-streams-per-connection", "--max-open-streams", "--request-idle-timeout", "--request-timeout",
        "--max-buffered-bytes");
  }

  /** The options the flags (and {@code environment}) give, without starting anything. */
  static dev.loadfuse.picker.server.PickerOptions options(Map<String, String> environment, String... args) {
    PickerMain main = new PickerMain();
    PickerMain.commandLine(main, new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter())).parseArgs(args);
    main.environment = environment;
    return main.options();
  }

  @Test
  void clusterService_joinsThroughKubernetesDiscovery_inThePoolsNamespace() {
    String[] args = {"--pool-name", "vllm-pool", "--cluster-service", "loadfuse-sidecar", "--cluster-host", "10.0.0.7",
        "--cluster-insecure"};
    var options = options(Map.of("NAMESPACE", "loadfuse"), args);
    assertThat(options.remoteSidecars()).isTrue();
    assertThat(options.clusterOptions()).isEqualTo(new dev.loadfuse.sidecar.api.cluster.ClusterOptions(List.of(),
        "10.0.0.7", 5701, "loadfuse-sidecar", "loadfuse", null, null, true));
    String[] withNamespace = java.util.stream.Stream.concat(java.util.Arrays.stream(args), Stream.of("--pool-namespace", "llm"))
        .toArray(String[]::new);
    assertThat(options(Map.of("NAMESPACE", "loadfuse"), withNamespace).clusterOptions().kubernetesNamespace()).isEqualTo("llm");
  }

  @Test
  void clusterSecretFile_fromFlagOrEnvironment_namesTheHazelcastCluster() throws Exception {
    Path secret = Files.writeString(dir.resolve("cluster-secret"), "q8yR0fS0m2Vd5bqFv1oZp3cXw9LkT7hU2nE4aJ6gB0s=\n");
    var fromFlag = options(Map.of(), "--cluster-members", "127.0.0.1:5701", "--route-to-announced-endpoints", "--cluster-secret-file", secret.toString())
        .clusterOptions();
    var fromEnv = options(Map.of("LOADFUSE_CLUSTER_SECRET_FILE", secret.toString()), "--cluster-members", "127.0.0.1:5701", "--route-to-announced-endpoints")
        .clusterOptions();
    assertThat(fromFlag.secret()).isNotNull();
    assertThat(fromFlag.effectiveClusterName()).matches("loadfuse-[0-9a-f]{32}").isEqualTo(fromEnv.effectiveClusterName());
  }

  /** A cluster without a secret, with a bad one, or with both: exit 2, one line. */
  static Stream<Arguments> clusterSecretErrors() throws Exception {
    Path shortSecret = Files.writeString(dir.resolve("short-secret"), "hunter2\n");
    Path secret = Files.writeString(dir.resolve("good-secret"), "q8yR0fS0m2Vd5bqFv1oZp3cXw9LkT7hU2nE4aJ6gB0s=\n");
    Path huge = LargeFiles.sparse(dir.resolve("huge-secret"), 100L << 20);
    String ep = endpoints().toString();
    return Stream.of(
        Arguments.of(new String[] {"--cluster-members", "127.0.0.1:5701", "--route-to-announced-endpoints"},
            dev.loadfuse.sidecar.api.cluster.ClusterOptions.NO_SECRET),
        Arguments.of(new String[] {"--cluster-members", "127.0.0.1:5701", "--route-to-announced-endpoints", "--cluster-secret-file", shortSecret.toString()},
            shortSecret + ": a cluster secret of 7 bytes (expected: at least 32, e.g. the output of: openssl rand -base64 32)"),
        Arguments.of(new String[] {"--cluster-members", "127.0.0.1:5701", "--route-to-announced-endpoints", "--cluster-secret-file", huge.toString()},
            huge + ": 104857600 bytes, larger than the 4 KiB limit for a cluster secret"),
        Arguments.of(new String[] {"--cluster-members", "127.0.0.1:5701", "--route-to-announced-endpoints", "--cluster-secret-file", dir.resolve("none").toString()},
            dir.resolve("none") + ": cannot read: no such file"),
        Arguments.of(new String[] {"--cluster-members", "127.0.0.1:5701", "--route-to-announced-endpoints", "--cluster-secret-file", secret.toString(),
            "--cluster-insecure"}, "cluster: a secret and --cluster-insecure: give one"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--cluster-secret-file", secret.toString()},
            "--cluster-secret-file, --cluster-insecure: only with --cluster"));
  }


  @Test
  void verbosity_mapsToLevels() {
    assertThat(Logging.level(0)).isEqualTo(java.util.logging.Level.WARNING);
    assertThat(Logging.level(2)).isEqualTo(java.util.logging.Level.INFO);
    assertThat(Logging.level(4)).isEqualTo(java.util.logging.Level.FINE);
    assertThat(Logging.level(5)).isEqualTo(java.util.logging.Level.FINEST);
  }

  @Test
  void kubernetesFlags_namespaceFromFlagElseEnvElseDefault() {
    assertThat(options(Map.of(), "--pool-name", "vllm-pool").kubernetes())
        .isEqualTo(KubernetesDiscoveryOptions.forPool("default", "vllm-pool"));
    assertThat(options(Map.of("NAMESPACE", "from-env"), "--pool-name", "vllm-pool").kubernetes())
        .isEqualTo(KubernetesDiscoveryOptions.forPool("from-env", "vllm-pool"));
    assertThat(options(Map.of("NAMESPACE", "from-env", "LOADFUSE_POOL_NAMESPACE", "from-loadfuse-env"), "--pool-name",
        "vllm-pool").kubernetes()).isEqualTo(KubernetesDiscoveryOptions.forPool("from-loadfuse-env", "vllm-pool"));
    assertThat(options(Map.of("NAMESPACE", "from-env"), "--pool-name", "vllm-pool", "--pool-namespace", "llm").kubernetes())
        .isEqualTo(KubernetesDiscoveryOptions.forPool("llm", "vllm-pool"));

    KubernetesDiscoveryOptions k = options(Map.of(), "--endpoint-selector", " app=vllm , tier=gpu", "--endpoint-target-ports",
        "8000, 8001", "--pool-namespace", "llm").kubernetes();
    assertThat(k).isEqualTo(KubernetesDiscoveryOptions.forSelector("llm", Map.of("app", "vllm", "tier", "gpu"), List.of(8000, 8001)));
    assertThat(k.describe()).isEqualTo("pods of namespace llm with app=vllm,tier=gpu on 8000,8001");
    assertThat(k.poolRef()).hasToString("llm/endpoint-selector");
  }
}
