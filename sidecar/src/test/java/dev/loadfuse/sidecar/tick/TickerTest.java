package dev.loadfuse.sidecar.tick;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The ticker's rules, on a fake clock with no timer (manual mode). */
class TickerTest {

  private static final long MS = 1_000_000;

  private final AtomicLong clock = new AtomicLong(1_000 * MS);
  private final Ticker ticker = new Ticker(null, Duration.ofMillis(10), clock::get, true);
  private final List<String> ran = new ArrayList<>();

  /** A task that runs at {@code due}, may run from {@code earliest}, and then every {@code period}. */
  private final class Periodic implements Ticker.Task {
    final String name;
    final long period;
    final long slack;
    long next;

    Periodic(String name, long first, long period, long slack) {
      this.name = name;
      this.next = first;
      this.period = period;
      this.slack = slack;
    }

    @Override
    public long earliest() {
      return next;
    }

    @Override
    public long due() {
      return next + slack;
    }

    @Override
    public void tick(long now) {
      ran.add(name + "@" + (now / MS));
      next += period;
    }
  }

  @Test
  void armsForTheEarliestDueTask_andRunsEveryTaskDueThen() {
    long t0 = clock.get();
    ticker.add(new Periodic("a", t0 + 10 * MS, 50 * MS, 0));
    ticker.add(new Periodic("b", t0 + 10 * MS, 50 * MS, 0));
    ticker.add(new Periodic("c", t0 + 30 * MS, 50 * MS, 0));
    assertThat(ticker.armedFor()).isEqualTo(t0 + 10 * MS);

    clock.set(t0 + 10 * MS);
    ticker.fire();
    assertThat(ran).containsExactly("a@1010", "b@1010");
    assertThat(ticker.armedFor()).isEqualTo(t0 + 30 * MS);

    clock.set(t0 + 30 * MS);
    ticker.fire();
    assertThat(ran).containsExactly("a@1010", "b@1010", "c@1030");
    assertThat(ticker.armedFor()).isEqualTo(t0 + 60 * MS);
  }

  @Test
  void aTaskWithSlack_ridesAlongOnAnotherTasksWakeUp() {
    long t0 = clock.get();
    ticker.add(new Periodic("scrape", t0 + 50 * MS, 50 * MS, 0));
    Periodic gpu = new Periodic("gpu", t0 + 20 * MS, 100 * MS, 50 * MS);
    ticker.add(gpu);
    // The GPU task could run from +20 ms but need not before +70 ms: no wake-up of its own.
    assertThat(ticker.armedFor()).isEqualTo(t0 + 50 * MS);

    clock.set(t0 + 50 * MS);
    ticker.fire();
    assertThat(ran).containsExactly("scrape@1050", "gpu@1050");
  }

  @Test
  void aTaskWithSlack_getsItsOwnWakeUpWhenNoneComesBeforeItsDueTime() {
    long t0 = clock.get();
    ticker.add(new Periodic("gpu", t0 + 20 * MS, 100 * MS, 50 * MS));
    assertThat(ticker.armedFor()).isEqualTo(t0 + 70 * MS);
    clock.set(t0 + 70 * MS);
    ticker.fire();
    assertThat(ran).containsExactly("gpu@1070");
  }

  @Test
  void wake_armsEarlierButNeverLater() {
    long t0 = clock.get();
    ticker.add(new Periodic("a", t0 + 40 * MS, 50 * MS, 0));
    ticker.wake(t0 + 20 * MS);
    assertThat(ticker.armedFor()).isEqualTo(t0 + 20 * MS);
    ticker.wake(t0 + 30 * MS);
    assertThat(ticker.armedFor()).isEqualTo(t0 + 20 * MS);
  }

  @Test
  void removingTheLastTask_disarms() {
    Periodic a = new Periodic("a", clock.get() + 10 * MS, 50 * MS, 0);
    ticker.add(a);
    ticker.remove(a);
    assertThat(ticker.armedFor()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void gridCeil_roundsUpToTheGrid_allowingTheTolerance() {
    long origin = clock.get(); // the ticker's grid starts where its clock was at creation
    assertThat(ticker.gridCeil(origin)).isEqualTo(origin);
    assertThat(ticker.gridCeil(origin + Ticker.TOLERANCE_NANOS)).isEqualTo(origin);
    assertThat(ticker.gridCeil(origin + Ticker.TOLERANCE_NANOS + 1)).isEqualTo(origin + 10 * MS);
    assertThat(ticker.gridCeil(origin + 10 * MS + Ticker.TOLERANCE_NANOS)).isEqualTo(origin + 10 * MS);
    assertThat(ticker.gridCeil(origin + 10 * MS + Ticker.TOLERANCE_NANOS + 1)).isEqualTo(origin + 20 * MS);
    assertThat(ticker.gridCeil(origin - 25 * MS)).isEqualTo(origin - 20 * MS);
  }
}
