package dev.loadfuse.picker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PickerMainTest {

  @TempDir static Path dir;

  static Path endpoints() throws Exception {
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
        Arguments.of(new String[] {}, "picker: no endpoints: give --endpoints-file FILE (local mode), or --cluster"),
        Arguments.of(new String[] {"--pool-name", "vllm-pool"},
            "picker: --pool-name/--pool-namespace: discovering InferencePools in Kubernetes is not supported yet; give --endpoints-file"),
        Arguments.of(new String[] {"--endpoint-selector", "app=vllm", "--endpoint-target-ports", "8000"},
            "picker: --endpoint-selector/--endpoint-target-ports: discovering pods in Kubernetes is not supported yet"),
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
            "picker: " + dir.resolve("none.yaml") + ": no such file"),
        Arguments.of(new String[] {"--endpoints-file", ep, "--grpc-port", "70000"},
            "picker: grpcPort: 70000 (expected: [0, 65535])"),
        Arguments.of(new String[] {"--no-such-flag"}, "picker: Unknown option: '--no-such-flag'"),
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

  @Test
  void help_listsTheReferenceFlags() {
    StringWriter out = new StringWriter();
    assertThat(PickerMain.run(new PrintWriter(out), new PrintWriter(new StringWriter()), "--help")).isZero();
    assertThat(out.toString()).contains("--grpc-port", "--grpc-health-port", "--metrics-port", "--config-file",
        "--config-text", "--pool-name", "--pool-namespace", "--endpoint-selector", "--endpoint-target-ports",
        "--refresh-metrics-interval", "--metrics-staleness-threshold", "--secure-serving", "--cert-path", "-v",
        "--endpoints-file", "--cluster", "--cluster-members");
  }

  @Test
  void verbosity_mapsToLevels() {
    assertThat(Logging.level(0)).isEqualTo(java.util.logging.Level.WARNING);
    assertThat(Logging.level(2)).isEqualTo(java.util.logging.Level.INFO);
    assertThat(Logging.level(4)).isEqualTo(java.util.logging.Level.FINE);
    assertThat(Logging.level(5)).isEqualTo(java.util.logging.Level.FINEST);
  }
}
