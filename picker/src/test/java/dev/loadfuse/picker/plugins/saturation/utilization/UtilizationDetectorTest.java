package dev.loadfuse.picker.plugins.saturation.utilization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.testing.RecordingEvents;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class UtilizationDetectorTest {

  private final UtilizationDetector detector = UtilizationDetector.defaults("ud");

  /** {waiting, kv} per endpoint; NaN waiting = stale endpoint. */
  static Stream<Arguments> saturation() {
    return Stream.of(
        Arguments.of("idle pool", new double[][] {{0, 0}, {0, 0}}, 0.0),
        Arguments.of("queue at threshold", new double[][] {{5, 0}}, 1.0),
        Arguments.of("kv drives it", new double[][] {{1, 0.4}}, 0.5),
        Arguments.of("max of queue and kv, then the mean", new double[][] {{10, 0}, {0, 0.4}}, 1.25),
        Arguments.of("a stale endpoint counts 1.0", new double[][] {{Double.NaN, 0}, {0, 0}}, 0.5),
        Arguments.of("all stale is saturated", new double[][] {{Double.NaN, 0}, {Double.NaN, 0}}, 1.0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("saturation")
  void saturation(String name, double[][] loads, double expected) {
    EndpointState[] eps = endpoints(loads);
    assertThat(detector.saturation(new RecordingEvents().cycle(), TestEndpoints.views(eps), eps.length)).isCloseTo(expected, within(1e-9));
  }

  @Test
  void noCandidates_isSaturated() {
    assertThat(detector.saturation(new RecordingEvents().cycle(), new EndpointView[0], 0)).isEqualTo(1.0);
  }

  @Test
  void staleAfterItsOwnThreshold_notThePickers() {
    EndpointState e = new EndpointState(TestEndpoints.id(0), Map.of());
    e.update(TestEndpoints.vector(TestEndpoints.id(0), 0, 0, 0, TestEndpoints.NOW - 201));
    EndpointState[] eps = {e};
    assertThat(detector.saturation(new RecordingEvents().cycle(), TestEndpoints.views(eps), 1)).isEqualTo(1.0);
    UtilizationDetector lenient = new UtilizationDetector("ud", 5, 0.8, Duration.ofSeconds(1), 0);
    assertThat(lenient.saturation(new RecordingEvents().cycle(), TestEndpoints.views(eps), 1)).isEqualTo(0.0);
  }

  @Test
  void olderThanThePickersThreshold_isStale_evenWithinItsOwn() {
    // The picker's views (threshold STALE_MS = 2 s) say the first sample is absent; a fresh second
    // endpoint keeps the picker from failing open.
    EndpointState e = new EndpointState(TestEndpoints.id(0), Map.of());
    e.update(TestEndpoints.vector(TestEndpoints.id(0), 0, 0, 0, TestEndpoints.NOW - TestEndpoints.STALE_MS - 1));
    EndpointView[] views = TestEndpoints.views(e, TestEndpoints.endpoint(1, 0, 0, 0));
    UtilizationDetector lenient = new UtilizationDetector("ud", 5, 0.8, Duration.ofSeconds(10), 0);
    assertThat(lenient.saturation(new RecordingEvents().cycle(), views, 2)).isEqualTo(0.5);
  }

  @Test
  void failOpen_usesLastKnownValuesAndInFlight_insteadOfStaleAsSaturated() {
    EndpointState old = new EndpointState(TestEndpoints.id(0), Map.of());
    old.update(TestEndpoints.vector(TestEndpoints.id(0), 1, 0, 0.2, TestEndpoints.NOW - 60_000));
    old.acquire(); // a pick since that vector: queue 1 + 1
    EndpointState never = TestEndpoints.withLabels(1, Map.of());
    never.acquire();
    EndpointView[] views = TestEndpoints.views(old, never); // every candidate stale: fail-open views
    RecordingEvents events = new RecordingEvents();
    // (2/5 + 1/5) / 2
    assertThat(detector.saturation(events.cycle(SchedulingRequest.of("r"), true), views, 2)).isCloseTo(0.3, within(1e-9));
    assertThat(detector.filter(events.cycle(SchedulingRequest.of("r"), true), views, 2)).isEqualTo(2);
    assertThat(events.counts).isEmpty();
  }

  @Test
  void filter_dropsOverThresholdPlusHeadroom_andStale() {
    UtilizationDetector d = new UtilizationDetector("ud", 5, 0.8, Duration.ofMillis(200), 0.2);
    // limits: queue 6, kv 0.96
    EndpointState[] eps = endpoints(new double[][] {{6, 0.5}, {7, 0}, {0, 0.97}, {Double.NaN, 0}, {0, 0.96}});
    RecordingEvents events = new RecordingEvents();
    EndpointView[] views = TestEndpoints.views(eps);
    int n = d.filter(events.cycle(), views, eps.length);
    assertThat(n).isEqualTo(2);
    assertThat(views[0].id().name()).isEqualTo("ep-0");
    assertThat(views[1].id().name()).isEqualTo("ep-4");
    assertThat(events.counts).containsExactly(Map.entry("ud/kv-cache", 1), Map.entry("ud/queue", 1), Map.entry("ud/stale", 1));
  }

  @Test
  void filter_everyEndpointOver_keepsAll() {
    EndpointState[] eps = endpoints(new double[][] {{9, 0}, {0, 0.99}});
    RecordingEvents events = new RecordingEvents();
    assertThat(detector.filter(events.cycle(), TestEndpoints.views(eps), 2)).isEqualTo(2);
    assertThat(events.counts).containsExactly(Map.entry("ud/kept-all", 1));
  }

  private static EndpointState[] endpoints(double[][] loads) {
    EndpointState[] eps = new EndpointState[loads.length];
    for (int i = 0; i < loads.length; i++) {
      if (Double.isNaN(loads[i][0])) {
        eps[i] = new EndpointState(TestEndpoints.id(i), Map.of());
        eps[i].update(TestEndpoints.vector(TestEndpoints.id(i), 0, 0, 0, TestEndpoints.NOW - 10_000));
      } else {
        eps[i] = TestEndpoints.endpoint(i, loads[i][0], 0, loads[i][1]);
      }
    }
    return eps;
  }
}
