package dev.loadfuse.picker.datastore;

import static dev.loadfuse.picker.testing.TestEndpoints.NOW;
import static dev.loadfuse.picker.testing.TestEndpoints.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.testing.TestClock;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DatastoreTest {

  private static final PoolRef POOL = PoolRef.local("pool");

  private static Endpoint ep(String name, String address, int port) {
    return Endpoint.builder(name, address, port, POOL).labels(Map.of("role", name)).build();
  }

  private static EndpointId id(String name, String address, int port) {
    return new EndpointId(name, address, port, "pool");
  }

  private static String[] hostPorts(EndpointState[] states) {
    return Arrays.stream(states).map(EndpointState::hostPort).toArray(String[]::new);
  }

  @Test
  void endpointSet_keepsStateOfEndpointsThatStay_andAttachesEarlyVectors() {
    Datastore ds = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000);
    assertThat(ds.ready()).isFalse();
    // A vector for an endpoint the set does not have yet is kept for later.
    ds.onVector(vector(id("b", "10.0.0.2", 8000), 7, 0, 0.1, NOW));
    assertThat(ds.all()).isEmpty();

    ds.setEndpoints(EndpointSet.of(ep("a", "10.0.0.1", 8000), ep("b", "10.0.0.2", 8000)));
    assertThat(ds.ready()).isTrue();
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.1:8000", "10.0.0.2:8000");
    assertThat(ds.get("10.0.0.2:8000").vector().waitingRequests()).isEqualTo(7);
    assertThat(ds.get("10.0.0.1:8000").labels()).containsEntry("role", "a");

    EndpointState a = ds.get("10.0.0.1:8000");
    InFlight req = a.acquire();
    ds.setEndpoints(EndpointSet.of(ep("a", "10.0.0.1", 8000), ep("c", "fd00::1", 9000)));
    assertThat(ds.get("10.0.0.1:8000")).isSameAs(a);
    assertThat(a.inFlight()).isEqualTo(1);
    assertThat(ds.get("10.0.0.2:8000")).isNull();
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.1:8000", "[fd00::1]:9000");
    req.release();
    assertThat(a.inFlight()).isZero();
  }

  /**
   * Issue 14, finding 2: a cluster member announcing an endpoint at another address with zero load
   * drew every request in vectors mode; with the pool's endpoint set it is never a candidate.
   */
  @Test
  void endpointSetMode_neverRoutesToAnAddressOnlyAVectorNames() {
    Datastore ds = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000);
    ds.setEndpoints(EndpointSet.of(ep("a", "10.0.0.1", 8000)));
    ds.onVector(vector(id("a", "10.0.0.1", 8000), 9, 0, 0.9, NOW));
    ds.onVector(vector(id("evil", "10.6.6.6", 8000), 0, 0, 0, NOW));
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.1:8000");
    assertThat(ds.get("10.6.6.6:8000")).isNull();
  }

  @Test
  void unhealthyEndpoint_isLeftOut_unlessEveryEndpointIs() {
    Datastore ds = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000);
    ds.setEndpoints(EndpointSet.of(ep("a", "10.0.0.1", 8000), ep("b", "10.0.0.2", 8000), ep("c", "10.0.0.3", 8000)));
    ds.onVector(vector(id("a", "10.0.0.1", 8000), 0, 0, 0, NOW).withHealth(false, false, "connection refused"));
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.2:8000", "10.0.0.3:8000"); // b, c: no vector yet
    ds.onVector(vector(id("b", "10.0.0.2", 8000), 0, 0, 0, NOW).withHealth(false, false, "connection refused"));
    ds.onVector(vector(id("c", "10.0.0.3", 8000), 0, 0, 0, NOW).withHealth(false, true, "GPU lost"));
    assertThat(ds.routingToUnhealthy()).isTrue();
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.1:8000", "10.0.0.2:8000"); // never the lost GPU
    ds.onVector(vector(id("b", "10.0.0.2", 8000), 0, 0, 0, NOW + 1));
    assertThat(ds.routingToUnhealthy()).isFalse();
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.2:8000");
  }

  @Test
  void lostGpu_drainsTheEndpoint_untilItRecovers() {
    Datastore ds = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000);
    ds.setEndpoints(EndpointSet.of(ep("a", "10.0.0.1", 8000), ep("b", "10.0.0.2", 8000)));
    LoadVector lost = vector(id("a", "10.0.0.1", 8000), 0, 0, 0, NOW).withHealth(false, true, "GPU lost");
    ds.onVector(lost);
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.2:8000");
    assertThat(ds.all()).hasSize(2);
    ds.onVector(vector(id("a", "10.0.0.1", 8000), 0, 0, 0, NOW + 1));
    assertThat(ds.routable()).hasSize(2);
  }

  @Test
  void vectorsMode_routesToWhatItHears_andExpiresSilentEndpoints() {
    TestClock clock = new TestClock(NOW);
    Datastore ds = new Datastore(Datastore.Mode.VECTORS, 1_000, clock);
    assertThat(ds.ready()).isFalse();
    ds.onVector(vector(id("b", "10.0.0.2", 8000), 1, 0, 0, NOW));
    clock.advance(600);
    ds.onVector(vector(id("a", "10.0.0.1", 8000), 2, 0, 0, NOW));
    assertThat(ds.ready()).isTrue();
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.1:8000", "10.0.0.2:8000");
    // Heard at NOW (b) and NOW + 600 (a); each stays exactly 1,000 ms.
    ds.expire(NOW + 1_000);
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.1:8000", "10.0.0.2:8000");
    ds.expire(NOW + 1_001);
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.1:8000");
    assertThat(ds.ready()).isTrue();
    // A vector is what keeps an endpoint: a hears again at NOW + 1,500.
    clock.set(NOW + 1_500);
    ds.onVector(vector(id("a", "10.0.0.1", 8000), 2, 0, 0, NOW + 1_500));
    ds.expire(NOW + 2_500);
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.1:8000");
    ds.expire(NOW + 2_501);
    assertThat(ds.routable()).isEmpty();
    assertThat(ds.ready()).isFalse();
  }

  @Test
  void endpointSetMode_neverExpires() {
    TestClock clock = new TestClock(NOW);
    Datastore ds = new Datastore(Datastore.Mode.ENDPOINT_SET, 1_000, clock);
    ds.setEndpoints(EndpointSet.of(ep("a", "10.0.0.1", 8000)));
    ds.onVector(vector(id("a", "10.0.0.1", 8000), 0, 0, 0, NOW));
    ds.expire(NOW + 60_000);
    assertThat(hostPorts(ds.routable())).containsExactly("10.0.0.1:8000");
  }

  @Test
  void expiryTimeNotPositive_isRefused() {
    assertThatThrownBy(() -> new Datastore(Datastore.Mode.VECTORS, 0))
        .hasMessage("expireAfterMillis: 0 (expected: > 0)");
  }

  static Stream<Arguments> subsets() {
    return Stream.of(
        Arguments.of("exact", List.of("10.0.0.2:8000"), new String[] {"10.0.0.2:8000"}),
        Arguments.of("partial: unknown entries ignored", List.of("10.0.0.9:8000", "10.0.0.1:8000"), new String[] {"10.0.0.1:8000"}),
        Arguments.of("bare address", List.of("10.0.0.2"), new String[] {"10.0.0.2:8000"}),
        Arguments.of("ipv6 bracketed", List.of("[fd00::1]:9000"), new String[] {"[fd00::1]:9000"}),
        Arguments.of("ipv6 bare", List.of("fd00::1"), new String[] {"[fd00::1]:9000"}),
        Arguments.of("another port: matched by address, as the reference matches", List.of("10.0.0.1:9999"),
            new String[] {"10.0.0.1:8000"}),
        Arguments.of("ipv6 bracketed, another port", List.of("[fd00::1]:1"), new String[] {"[fd00::1]:9000"}),
        Arguments.of("exact among endpoints sharing an address", List.of("10.0.0.3:8001"), new String[] {"10.0.0.3:8001"}),
        Arguments.of("another port among endpoints sharing an address: all of them", List.of("10.0.0.3:80"),
            new String[] {"10.0.0.3:8000", "10.0.0.3:8001"}),
        Arguments.of("empty", List.of(), new String[] {}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("subsets")
  void subsetHint_restrictsCandidates(String name, List<String> hint, String[] expected) {
    Datastore ds = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000);
    ds.setEndpoints(EndpointSet.of(ep("a", "10.0.0.1", 8000), ep("b", "10.0.0.2", 8000), ep("c", "fd00::1", 9000),
        ep("d0", "10.0.0.3", 8000), ep("d1", "10.0.0.3", 8001)));
    assertThat(hostPorts(ds.subset(hint))).containsExactly(expected);
  }
}
