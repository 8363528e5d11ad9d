package dev.loadfuse.picker.plugins.saturation.concurrency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.datastore.InFlight;
import dev.loadfuse.picker.plugins.saturation.concurrency.ConcurrencyDetector.Mode;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.testing.RecordingEvents;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConcurrencyDetectorTest {

  @Test
  void requestsMode_saturationIsInFlightOverCapacity_andReleasesCount() {
    ConcurrencyDetector d = new ConcurrencyDetector("cd", Mode.REQUESTS, 2, 1000, 0, true);
    EndpointState[] eps = {TestEndpoints.withLabels(0, Map.of()), TestEndpoints.withLabels(1, Map.of())};
    InFlight a = eps[0].acquire();
    eps[0].acquire();
    eps[1].acquire();
    assertThat(d.saturation(new RecordingEvents().cycle(), TestEndpoints.views(eps), 2)).isCloseTo(0.75, within(1e-9));
    a.release();
    assertThat(d.saturation(new RecordingEvents().cycle(), TestEndpoints.views(eps), 2)).isCloseTo(0.5, within(1e-9));
  }

  @Test
  void tokensMode_countsEstimatedPromptTokens() {
    ConcurrencyDetector d = new ConcurrencyDetector("cd", Mode.TOKENS, 100, 1000, 0, true);
    EndpointState[] eps = {TestEndpoints.withLabels(0, Map.of())};
    InFlight f = eps[0].acquire(new SchedulingRequest("r", "m", "m", 0, null, Map.of(), 2000).estimatedInputTokens());
    assertThat(d.saturation(new RecordingEvents().cycle(), TestEndpoints.views(eps), 1)).isCloseTo(0.5, within(1e-9));
    f.release();
    assertThat(eps[0].inFlightTokens()).isZero();
  }

  @Test
  void hybrid_takesTheLargerRatioPerEndpoint() {
    ConcurrencyDetector d = new ConcurrencyDetector("cd", Mode.HYBRID, 4, 1000, 0, true);
    EndpointState[] eps = {TestEndpoints.withLabels(0, Map.of()), TestEndpoints.withLabels(1, Map.of())};
    eps[0].acquire(900); // tokens 0.9, requests 0.25
    eps[1].acquire(0);
    eps[1].acquire(0); // requests 0.5
    assertThat(d.saturation(new RecordingEvents().cycle(), TestEndpoints.views(eps), 2)).isCloseTo(0.7, within(1e-9));
  }

  @Test
  void filter_dropsEndpointsAtTheLimitPlusHeadroom() {
    ConcurrencyDetector d = new ConcurrencyDetector("cd", Mode.REQUESTS, 2, 1000, 0.5, true);
    EndpointState[] eps = {TestEndpoints.withLabels(0, Map.of()), TestEndpoints.withLabels(1, Map.of())};
    for (int i = 0; i < 3; i++) {
      eps[0].acquire(); // 3 >= 2 × 1.5
    }
    eps[1].acquire();
    eps[1].acquire(); // 2 < 3
    RecordingEvents events = new RecordingEvents();
    EndpointView[] views = TestEndpoints.views(eps);
    assertThat(d.filter(events.cycle(), views, 2)).isEqualTo(1);
    assertThat(views[0].id().name()).isEqualTo("ep-1");
    assertThat(events.counts).containsExactly(Map.entry("cd/concurrency", 1));
  }

  @Test
  void filter_tokens_requestThatWouldOverflow_goesElsewhere_idleEndpointAlwaysFits() {
    ConcurrencyDetector d = new ConcurrencyDetector("cd", Mode.TOKENS, 100, 1000, 0, true);
    EndpointState[] eps = {TestEndpoints.withLabels(0, Map.of()), TestEndpoints.withLabels(1, Map.of())};
    eps[0].acquire(600);
    SchedulingRequest big = new SchedulingRequest("r", "m", "m", 0, null, Map.of(), 4 * 5000);
    RecordingEvents events = new RecordingEvents();
    EndpointView[] views = TestEndpoints.views(eps);
    assertThat(d.filter(events.cycle(big, false), views, 2)).isEqualTo(1);
    assertThat(views[0].id().name()).isEqualTo("ep-1");
    assertThat(events.counts).containsExactly(Map.entry("cd/token-concurrency", 1));
  }

  @Test
  void filter_allOver_failOpenKeepsAll_failClosedKeepsNone() {
    EndpointState[] eps = {TestEndpoints.withLabels(0, Map.of())};
    eps[0].acquire();
    RecordingEvents events = new RecordingEvents();
    assertThat(new ConcurrencyDetector("cd", Mode.REQUESTS, 1, 1000, 0, true).filter(events.cycle(), TestEndpoints.views(eps), 1)).isEqualTo(1);
    assertThat(events.counts).containsExactly(Map.entry("cd/kept-all", 1));
    assertThat(new ConcurrencyDetector("cd", Mode.REQUESTS, 1, 1000, 0, false).filter(events.cycle(), TestEndpoints.views(eps), 1)).isZero();
  }
}
