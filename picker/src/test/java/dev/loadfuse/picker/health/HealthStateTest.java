package dev.loadfuse.picker.health;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The reference's health table (GIE v1.5 {@code cmd/epp/runner/health.go}, the router's drain). */
class HealthStateTest {

  private static final ServingStatus S = ServingStatus.SERVING;
  private static final ServingStatus N = ServingStatus.NOT_SERVING;
  private static final ServingStatus U = ServingStatus.SERVICE_UNKNOWN;

  static Stream<Arguments> table() {
    // leader election, service, synced, leader, draining, expected
    return Stream.of(
        Arguments.of(false, "inference-extension", true, false, false, S),
        Arguments.of(false, "", true, false, false, S),
        Arguments.of(false, "anything", true, false, false, S),
        Arguments.of(false, "liveness", false, false, false, N),
        Arguments.of(false, "inference-extension", false, false, false, N),
        Arguments.of(false, "inference-extension", true, false, true, N),
        Arguments.of(true, "liveness", false, false, false, S),
        Arguments.of(true, "liveness", true, false, true, S),
        Arguments.of(true, "readiness", true, true, false, S),
        Arguments.of(true, "readiness", true, false, false, N),
        Arguments.of(true, "readiness", false, true, false, N),
        Arguments.of(true, "readiness", true, true, true, N),
        Arguments.of(true, "", true, true, false, S),
        Arguments.of(true, "", true, false, false, N),
        Arguments.of(true, HealthService.EXT_PROC, true, true, false, S),
        Arguments.of(true, HealthService.EXT_PROC, true, false, false, N),
        Arguments.of(true, "inference-extension", true, true, false, U),
        Arguments.of(true, "foo", true, true, false, U));
  }

  @ParameterizedTest(name = "LE {0}, \"{1}\", synced {2}, leader {3}, draining {4} -> {5}")
  @MethodSource("table")
  void statusAsTheReference(boolean le, String service, boolean synced, boolean leader, boolean draining,
      ServingStatus expected) {
    AtomicBoolean sync = new AtomicBoolean(synced);
    HealthState state = new HealthState(sync::get, le);
    state.setLeader(leader);
    if (draining) {
      state.startDraining();
    }
    assertThat(state.status(service)).isEqualTo(expected);
  }
}
