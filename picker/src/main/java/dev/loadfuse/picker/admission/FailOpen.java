package dev.loadfuse.picker.admission;

import dev.loadfuse.picker.candidate.Candidates;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * Reports a scrape outage: when every candidate's metrics are older than the staleness threshold,
 * failing closed (every endpoint "saturated", nothing known) would halt dispatch for the whole pool
 * while the model servers are most likely fine. The picker then fails open instead: the staleness
 * policy builds the views from the last known values plus its own in-flight counts ({@code
 * candidate.StalenessPolicy}, {@code SchedulingCycle.failOpen()}); this counts each such decision
 * and says so in a log line at most once per {@link #LOG_INTERVAL_MILLIS}.
 *
 * <p>Thread-safe.
 */
public final class FailOpen {

  public static final long LOG_INTERVAL_MILLIS = 30_000;

  private static final Logger LOG = Logger.getLogger(FailOpen.class.getName());

  private final Runnable onDecision;
  private final AtomicLong decisions = new AtomicLong();
  private final AtomicLong lastLogMillis = new AtomicLong(Long.MIN_VALUE);

  /** @param onDecision called once per fail-open decision (the metrics counter) */
  public FailOpen(Runnable onDecision) {
    this.onDecision = onDecision == null ? () -> {} : onDecision;
  }

  /**
   * Counts a decision over {@code candidates} when they fail open ({@link Candidates#failOpen()}:
   * the staleness policy found no fresh engine sample), logs it (rate-limited) and returns true;
   * returns false otherwise.
   */
  public boolean check(Candidates candidates, long nowMillis, long staleAfterMillis) {
    if (!candidates.failOpen()) {
      return false;
    }
    long n = decisions.incrementAndGet();
    onDecision.run();
    long last = lastLogMillis.get();
    if ((last == Long.MIN_VALUE || nowMillis - last >= LOG_INTERVAL_MILLIS) && lastLogMillis.compareAndSet(last, nowMillis)) {
      int count = candidates.count();
      if (candidates.neverMeasured()) {
        // Start-up, or new endpoints: nothing has been scraped yet, which is no outage.
        LOG.info("no metrics yet from any of the " + count + " candidate endpoint(s): routing on the picker's"
            + " in-flight counts until the first scrape; " + n + " decision(s) so far"
            + " (loadfuse_picker_fail_open_decisions_total)");
      } else {
        LOG.warning("metrics of all " + count + " candidate endpoint(s) are older than " + staleAfterMillis
            + " ms (scrape outage?): failing open, routing on the last known values and the picker's in-flight"
            + " counts; " + n + " decision(s) so far (loadfuse_picker_fail_open_decisions_total)");
      }
    }
    return true;
  }

  /** Fail-open decisions since start. */
  public long decisions() {
    return decisions.get();
  }
}
