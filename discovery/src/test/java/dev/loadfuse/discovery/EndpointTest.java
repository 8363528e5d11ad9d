package dev.loadfuse.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class EndpointTest {

  private static final PoolRef POOL = PoolRef.local("p");

  private static Endpoint.Builder base() {
    return Endpoint.builder("vllm-0", "127.0.0.1", 8000, POOL);
  }

  @Test
  void builder_appliesDefaults() {
    Endpoint e = base().build();
    assertThat(e.metricsPath()).isEqualTo("/metrics");
    assertThat(e.metricsPort()).isEqualTo(8000);
    assertThat(e.labels()).isEmpty();
    assertThat(e.poolAnnotations()).isEmpty();
    assertThat(e.gpus()).isEmpty();
    assertThat(e.pod()).isNull();
    assertThat(e.metricsUri()).isEqualTo(URI.create("http://127.0.0.1:8000/metrics"));
    assertThat(e.authority()).isEqualTo("127.0.0.1:8000");
  }

  @Test
  void ipv6_storedWithoutBrackets_bracketedInUris() {
    Endpoint e = Endpoint.builder("a", "[fd00::7]", 8000, POOL).metricsPort(9090).build();
    assertThat(e.address()).isEqualTo("fd00::7");
    assertThat(e.authority()).isEqualTo("[fd00::7]:8000");
    assertThat(e.metricsUri()).isEqualTo(URI.create("http://[fd00::7]:9090/metrics"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"10.0.0.7", "::1", "fe80::1", "localhost", "vllm-0.vllm.ns.svc.cluster.local", "a.b."})
  void validAddresses_accepted(String address) {
    assertThat(Endpoint.builder("a", address, 1, POOL).build().address()).isEqualTo(address);
  }

  static List<Arguments> invalid() {
    return List.of(
        Arguments.of(op(b -> Endpoint.builder("a", "127.0.0.1", 70000, POOL)),
            "port: 70000 (expected: [1, 65535])"),
        Arguments.of(op(b -> Endpoint.builder("a", "127.0.0.1", 0, POOL)),
            "port: 0 (expected: [1, 65535])"),
        Arguments.of(op(b -> b.metricsPort(65536)), "metricsPort: 65536 (expected: [1, 65535])"),
        Arguments.of(op(b -> Endpoint.builder(" ", "127.0.0.1", 1, POOL)),
            "name: \" \" (expected: not blank)"),
        Arguments.of(op(b -> Endpoint.builder("a b", "127.0.0.1", 1, POOL)),
            "name: \"a b\" (expected: no whitespace)"),
        Arguments.of(op(b -> Endpoint.builder("a", "", 1, POOL)),
            "address: \"\" (expected: an IP address or a hostname)"),
        Arguments.of(op(b -> Endpoint.builder("a", "http://h", 1, POOL)),
            "address: \"http://h\" (expected: an IP address or a hostname, without scheme, port or path)"),
        Arguments.of(op(b -> Endpoint.builder("a", "h:8000", 1, POOL)),
            "address: \"h:8000\" (expected: an IP address or a hostname, without scheme, port or path)"),
        Arguments.of(op(b -> Endpoint.builder("a", "h/metrics", 1, POOL)),
            "address: \"h/metrics\" (expected: an IP address or a hostname, without scheme, port or path)"),
        Arguments.of(op(b -> Endpoint.builder("a", "10.0.0.256", 1, POOL)),
            "address: \"10.0.0.256\" (expected: a valid IPv4 literal a.b.c.d)"),
        Arguments.of(op(b -> Endpoint.builder("a", "10.0.0", 1, POOL)),
            "address: \"10.0.0\" (expected: a valid IPv4 literal a.b.c.d)"),
        Arguments.of(op(b -> Endpoint.builder("a", "fd00:::1", 1, POOL)),
            "address: \"fd00:::1\" (expected: a valid IPv6 literal)"),
        Arguments.of(op(b -> b.metricsPath("metrics")),
            "metricsPath: \"metrics\" (expected: a path starting with /)"),
        Arguments.of(op(b -> b.metricsPath("/met rics")),
            "metricsPath: \"/met rics\" (expected: a path starting with /)"),
        Arguments.of(op(b -> b.metricsPath("/a|b")),
            "metricsPath: \"/a|b\" (expected: a valid URL path)"),
        Arguments.of(op(b -> b.gpus(List.of("GPU-1", "GPU-1"))), "gpus[1]: duplicate \"GPU-1\""),
        Arguments.of(op(b -> b.gpus(Arrays.asList("GPU-1", null))),
            "gpus[1]: null (expected: a GPU or MIG UUID)"),
        Arguments.of(op(b -> b.gpus(List.of(" "))), "gpus[0]: \" \" (expected: a GPU or MIG UUID)"),
        Arguments.of(op(b -> b.labels(mapWithNullValue("k"))),
            "labels.k: null (expected: a string, possibly empty)"),
        Arguments.of(op(b -> b.poolAnnotations(Map.of("", "v"))),
            "poolAnnotations: key \"\" (expected: not blank)"));
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void invalidField_rejectedWithFieldAndValue(UnaryOperator<Endpoint.Builder> edit, String message) {
    assertThatThrownBy(() -> edit.apply(base()).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(message);
  }

  @Test
  void maps_areCopiedAndImmutable() {
    Map<String, String> labels = new HashMap<>(Map.of("a", "1"));
    Endpoint e = base().labels(labels).build();
    labels.put("b", "2");
    assertThat(e.labels()).containsOnlyKeys("a");
    assertThatThrownBy(() -> e.labels().put("c", "3")).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void withGpus_copiesAndKeepsEverythingElse() {
    Endpoint e = base().pod(new PodRef("ns", "pod", "uid-1")).build();
    List<String> gpus = new ArrayList<>(List.of("GPU-a", "MIG-b"));
    Endpoint g = e.withGpus(gpus);
    gpus.add("GPU-c");
    assertThat(g.gpus()).containsExactly("GPU-a", "MIG-b");
    assertThat(g.toBuilder().gpus(List.of()).build()).isEqualTo(e);
    assertThat(g.withGpus(List.of("GPU-a", "MIG-b"))).isSameAs(g);
  }

  @Test
  void poolRef_validatesAndPrints() {
    assertThat(PoolRef.of("ns", "p")).hasToString("ns/p");
    assertThat(PoolRef.local("p")).hasToString("p");
    assertThatThrownBy(() -> PoolRef.local(""))
        .hasMessage("pool name: \"\" (expected: not blank)");
    assertThatThrownBy(() -> PoolRef.of(null, "p"))
        .hasMessage("pool namespace: null (expected: not blank)");
    assertThatThrownBy(() -> new PodRef("ns", " ", null))
        .hasMessage("pod name: \" \" (expected: not blank)");
  }

  private static UnaryOperator<Endpoint.Builder> op(UnaryOperator<Endpoint.Builder> f) {
    return f;
  }

  private static Map<String, String> mapWithNullValue(String key) {
    Map<String, String> m = new HashMap<>();
    m.put(key, null);
    return m;
  }
}
