package dev.loadfuse.discovery.file;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class EndpointsFileTest {

  /** The example shipped in config-examples/ (surefire runs in the module directory). */
  static final Path EXAMPLE = Path.of("..", "config-examples", "endpoints-local.yaml");

  private static final String HEAD = "pool:\n  name: p\nendpoints:\n";

  private static EndpointSet yaml(String text) {
    return EndpointsFile.parse("e.yaml", text.getBytes(StandardCharsets.UTF_8), false);
  }

  @Test
  void example_loads() {
    EndpointSet set = EndpointsFile.load(EXAMPLE);
    Endpoint e = set.endpoints().getFirst();
    assertThat(set.size()).isEqualTo(1);
    assertThat(e.name()).isEqualTo("vllm-0");
    assertThat(e.address()).isEqualTo("127.0.0.1");
    assertThat(e.port()).isEqualTo(8000);
    assertThat(e.pool()).isEqualTo(PoolRef.local("local-pool"));
    assertThat(e.poolAnnotations())
        .containsExactly(Map.entry("inference.networking.x-k8s.io/model-server-runtime", "sglang"));
    assertThat(e.labels()).containsExactly(Map.entry("inference.networking.k8s.io/engine-type", "vllm"));
    assertThat(e.metricsPath()).isEqualTo("/metrics");
    assertThat(e.metricsPort()).isEqualTo(8000);
    assertThat(e.gpus()).containsExactly("GPU-1b2c3d4e-0000-0000-0000-000000000001");
    assertThat(e.pod()).isNull();
  }

  @Test
  void optionalFields_takeDefaults() {
    Endpoint e = yaml(HEAD + "  - {name: a, address: localhost, port: 9000}\n").endpoints().getFirst();
    assertThat(e.metricsPath()).isEqualTo("/metrics");
    assertThat(e.metricsPort()).isEqualTo(9000);
    assertThat(e.labels()).isEmpty();
    assertThat(e.poolAnnotations()).isEmpty();
    assertThat(e.gpus()).isEmpty();
  }

  @Test
  void emptyEndpointList_isAValidEmptySet() {
    assertThat(yaml(HEAD.replace("endpoints:\n", "endpoints: []\n"))).isEqualTo(EndpointSet.EMPTY);
  }

  @Test
  void json_loadsByExtension(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("endpoints.json");
    Files.writeString(
        f,
        """
        {"pool": {"name": "p"},
         "endpoints": [{"name": "a", "address": "::1", "port": 8000, "metricsPort": 9000,
                        "metricsPath": "/m", "gpus": ["MIG-1"]}]}
        """);
    Endpoint e = EndpointsFile.load(f).endpoints().getFirst();
    assertThat(e.address()).isEqualTo("::1");
    assertThat(e.metricsUri()).hasToString("http://[::1]:9000/m");
    assertThat(e.gpus()).containsExactly("MIG-1");
  }

  static List<Arguments> invalid() {
    return List.of(
        Arguments.of(
            HEAD
                + "  - {name: vllm-0, address: 127.0.0.1, port: 8000}\n"
                + "  - {name: vllm-1, address: 127.0.0.1, port: 70000}\n",
            "e.yaml: endpoints[1] (vllm-1): port: 70000 (expected: [1, 65535])"),
        Arguments.of(
            HEAD
                + "  - {name: vllm-0, address: 127.0.0.1, port: 8000}\n"
                + "  - {name: vllm-1, address: 127.0.0.1, port: 8001}\n"
                + "  - {name: vllm-0, address: 127.0.0.1, port: 8002}\n",
            "e.yaml: endpoints[2]: duplicate name \"vllm-0\" (first at endpoints[0])"),
        Arguments.of(HEAD + "  - {name: a, port: 8000}\n", "e.yaml: endpoints[0] (a): address: missing"),
        Arguments.of(HEAD + "  - {name: a, address: h}\n", "e.yaml: endpoints[0] (a): port: missing"),
        Arguments.of(HEAD + "  - {address: h, port: 1}\n", "e.yaml: endpoints[0]: name: missing"),
        Arguments.of(HEAD + "  -\n", "e.yaml: endpoints[0]: empty entry"),
        Arguments.of(
            HEAD + "  - {name: a, address: 'h h', port: 1}\n",
            "e.yaml: endpoints[0] (a): address: \"h h\" (expected: an IP address or a hostname, without scheme, port or path)"),
        Arguments.of(
            HEAD + "  - {name: a, address: h, port: 1, metricsPort: 0}\n",
            "e.yaml: endpoints[0] (a): metricsPort: 0 (expected: [1, 65535])"),
        Arguments.of(
            HEAD + "  - {name: a, address: h, port: 1, metricsPath: metrics}\n",
            "e.yaml: endpoints[0] (a): metricsPath: \"metrics\" (expected: a path starting with /)"),
        Arguments.of(
            HEAD + "  - {name: a, address: h, port: 1, gpus: [GPU-1, GPU-1]}\n",
            "e.yaml: endpoints[0] (a): gpus[1]: duplicate \"GPU-1\""),
        Arguments.of(
            HEAD + "  - {name: a, address: h, port: 1, labels: {k: }}\n",
            "e.yaml: endpoints[0] (a): labels.k: null (expected: a string, possibly \"\")"),
        Arguments.of(
            HEAD + "  - name: a\n    address: h\n    port: 1\n    lables: {}\n",
            "e.yaml: endpoints[0]: unknown key \"lables\" (known: name, address, port, labels,"
                + " metricsPath, metricsPort, gpus) (line 7)"),
        Arguments.of(
            "pool:\n  name: p\n  namespace: ns\nendpoints: []\n",
            "e.yaml: pool: unknown key \"namespace\" (known: name, annotations) (line 3)"),
        Arguments.of(
            HEAD + "  - name: a\n    address: h\n    port: \"8000\"\n",
            "e.yaml: endpoints[0].port: \"8000\" (expected: an integer) (line 6)"),
        Arguments.of(
            HEAD + "  - name: a\n    address: h\n    port: 8000.5\n",
            "e.yaml: endpoints[0].port: 8000.5 (expected: an integer) (line 6)"),
        Arguments.of(
            HEAD + "  - name: a\n    address: h\n    gpus: GPU-1\n    port: 1\n",
            "e.yaml: endpoints[0].gpus: \"GPU-1\" (expected: a list) (line 6)"),
        Arguments.of("pool: p\nendpoints: []\n", "e.yaml: pool: \"p\" (expected: a map with name) (line 1)"),
        Arguments.of(
            HEAD + "  - name: a\n    address: h\n    name: b\n",
            "e.yaml: endpoints[0]: duplicate key \"name\" (line 6)"),
        Arguments.of(
            "pool:\n  name: p\n bad: x\n",
            "e.yaml: invalid YAML (line 3, column 2): while parsing a block mapping:"
                + " expected <block end>, but found '<block mapping start>'"),
        Arguments.of(
            "pool: {name: p\nendpoints: []\n",
            "e.yaml: invalid YAML (line 2, column 10): while parsing a flow mapping:"
                + " expected ',' or '}', but got :"),
        Arguments.of("", "e.yaml: empty document (expected: pool and endpoints)"),
        Arguments.of("# only a comment\n", "e.yaml: empty document (expected: pool and endpoints)"),
        Arguments.of(
            "pool: {name: p}\nendpoints: []\n---\npool: {name: q}\n",
            "e.yaml: more than one document (line 4, column 1) (expected: exactly one)"),
        Arguments.of("endpoints: []\n", "e.yaml: pool: missing"),
        Arguments.of("pool: {annotations: {}}\nendpoints: []\n", "e.yaml: pool.name: missing"),
        Arguments.of("pool: {name: p}\n", "e.yaml: endpoints: missing (write `endpoints: []` for none)"),
        Arguments.of(
            "pool: {name: p, annotations: {a: }}\nendpoints: []\n",
            "e.yaml: pool.annotations.a: null (expected: a string, possibly \"\")"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void invalidFile_rejectedNamingFileAndEntry(String text, String message) {
    assertThatThrownBy(() -> yaml(text)).isInstanceOf(DiscoveryException.class).hasMessage(message);
  }

  @Test
  void invalidJson_namesLineAndColumn() {
    assertThatThrownBy(
            () ->
                EndpointsFile.parse(
                    "e.json", "{\"pool\": {\"name\": \"p\"},\n \"endpoints\": [}".getBytes(StandardCharsets.UTF_8), true))
        .isInstanceOf(DiscoveryException.class)
        .hasMessageStartingWith("e.json: invalid JSON (line 2, column 16): Unexpected close marker '}'");
  }

  @Test
  void missingFile_rejected(@TempDir Path dir) {
    Path f = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> EndpointsFile.load(f))
        .isInstanceOf(DiscoveryException.class)
        .hasMessage(f + ": cannot read: no such file");
  }

  @Test
  void oversizedFile_rejected(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("big.yaml");
    Files.write(f, new byte[(int) EndpointsFile.MAX_SIZE_BYTES + 1]);
    assertThatThrownBy(() -> EndpointsFile.load(f))
        .isInstanceOf(DiscoveryException.class)
        .hasMessage(f + ": 1048577 bytes, larger than the 1 MiB limit for an endpoints file");
  }
  @Test
  void endlessFile_stoppedAtTheLimit() {
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(Path.of("/dev/zero")), "no /dev/zero");
    assertThatThrownBy(() -> EndpointsFile.load(Path.of("/dev/zero")))
        .isInstanceOf(DiscoveryException.class)
        .hasMessage("/dev/zero: more than 1048576 bytes (still growing when read), larger than the 1 MiB limit for an endpoints file");
  }
}
