package dev.loadfuse.picker.datastore;

import static dev.loadfuse.picker.testing.TestEndpoints.NOW;
import static dev.loadfuse.picker.testing.TestEndpoints.id;
import static dev.loadfuse.picker.testing.TestEndpoints.vector;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointStateTest {

  @Test
  void picksBetweenScrapes_addToTheQueue_untilANewerSampleArrives() {
    EndpointState e = new EndpointState(id(0), Map.of());
    e.update(vector(id(0), 3, 5, 0.5, NOW - 10));
    InFlight a = e.acquire();
    InFlight b = e.acquire();
    assertThat(e.unreflected()).isEqualTo(2);
    assertThat(TestEndpoints.views(e)[0].queueDepth()).isEqualTo(5);
    assertThat(TestEndpoints.views(e)[0].runningDepth()).isEqualTo(7);

    // Same sample again (a heartbeat): nothing new is reflected.
    e.update(vector(id(0), 3, 5, 0.5, NOW - 10));
    assertThat(e.unreflected()).isEqualTo(2);

    // A newer sample includes the two requests: the count starts again.
    e.update(vector(id(0), 5, 5, 0.5, NOW - 5));
    assertThat(e.unreflected()).isZero();
    assertThat(TestEndpoints.views(e)[0].queueDepth()).isEqualTo(5);
    assertThat(e.inFlight()).isEqualTo(2);

    // Releasing requests picked before the reset leaves the new count alone.
    a.release();
    InFlight c = e.acquire();
    assertThat(e.unreflected()).isEqualTo(1);
    c.release();
    c.release(); // idempotent
    b.release();
    assertThat(e.unreflected()).isZero();
    assertThat(e.inFlight()).isZero();
  }

  @Test
  void vectorOfAnotherEndpoint_isRejected() {
    EndpointState e = new EndpointState(id(0), Map.of());
    assertThatThrownBy(() -> e.update(vector(id(1), 0, 0, 0, NOW)))
        .hasMessage("vector of 10.0.0.2:8000 given to 10.0.0.1:8000");
  }
}
