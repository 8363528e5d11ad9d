package dev.loadfuse.common.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AwaitTest {

  @Test
  void until_returnsOnceTheConditionHolds() {
    AtomicInteger checks = new AtomicInteger();
    Await.until("the third check", () -> checks.incrementAndGet() == 3);
    assertThat(checks).hasValue(3);
  }

  @Test
  void until_failsNamingWhatItAwaited_afterTheLimit() {
    assertThatThrownBy(() -> Await.until("the moon", Duration.ofMillis(30), () -> false))
        .isInstanceOf(AssertionError.class)
        .hasMessage("timed out after PT0.03S waiting for the moon");
  }

  @Test
  void value_returnsTheAcceptedValue() {
    AtomicInteger n = new AtomicInteger();
    assertThat(Await.value("n >= 4", n::incrementAndGet, v -> v >= 4)).isEqualTo(4);
  }

  @Test
  void value_failureShowsTheLastValueSeen() {
    assertThatThrownBy(() -> Await.value("an even number", Duration.ofMillis(30), () -> 7, v -> v % 2 == 0))
        .isInstanceOf(AssertionError.class)
        .hasMessage("timed out after PT0.03S waiting for an even number; last value: 7");
  }

  @Test
  void value_anExceptionFailsAtOnce_withItsCause() {
    IOException boom = new IOException("connection refused");
    assertThatThrownBy(() -> Await.value("a page", () -> {
      throw boom;
    }, v -> true))
        .isInstanceOf(AssertionError.class)
        .hasMessage("waiting for a page: java.io.IOException: connection refused")
        .hasCause(boom);
  }
}
