package dev.loadfuse.picker.candidate;

import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.sidecar.api.LoadVector;

/**
 * The one rule for when an endpoint's data counts: an engine sample or GPU reading older than
 * {@code staleAfterMillis} ({@code --metrics-staleness-threshold}) is absent. Builds each cycle's
 * {@link EndpointView}s with it, once, so every plugin sees the same verdict.
 *
 * <p><b>Fail-open.</b> When no candidate has a fresh engine sample (a scrape outage, or nothing
 * scraped yet), failing closed would halt the pool while the model servers are most likely fine.
 * The views are then built with the last known values (engine numbers and GPU readings whatever
 * their age) plus the picker's own in-flight picks, and {@link Candidates#failOpen()} says so.
 *
 * <p><b>Cost.</b> Each view is reused from the previous cycle while the endpoint's vector, labels,
 * counters and freshness verdicts are unchanged (the picks and releases of the requests in flight
 * change a few per decision; a new vector, its endpoint's), and so is the previous cycle's array of
 * views over the same endpoints, copied when some of its views changed. The arrays are therefore
 * shared between cycles and must never be written to.
 *
 * <p>Thread-safe: the last array is a volatile reference to an array never written after it is
 * published.
 */
public final class StalenessPolicy {

  private final long staleAfterMillis;
  private volatile Last last;

  /** @param staleAfterMillis data older than this is absent; >= 1 */
  public StalenessPolicy(long staleAfterMillis) {
    if (staleAfterMillis < 1) {
      throw new IllegalArgumentException("staleAfterMillis: " + staleAfterMillis + " (expected: >= 1)");
    }
    this.staleAfterMillis = staleAfterMillis;
  }

  public long staleAfterMillis() {
    return staleAfterMillis;
  }

  /** True when {@code v} has an engine sample no older than the threshold at {@code nowMillis}. */
  public boolean engineFresh(LoadVector v, long nowMillis) {
    return engineFresh(v, nowMillis, staleAfterMillis);
  }

  /** True when {@code count > 0} and none of {@code states[0..count)} has a fresh engine sample. */
  public boolean allStale(EndpointState[] states, int count, long nowMillis) {
    for (int i = 0; i < count; i++) {
      if (engineFresh(states[i].vector(), nowMillis, staleAfterMillis)) {
        return false;
      }
    }
    return count > 0;
  }

  /**
   * The views of {@code states[0..count)} at {@code nowMillis}, in the same order; with the last
   * known values when every candidate is stale (fail-open).
   */
  public Candidates views(EndpointState[] states, int count, long nowMillis) {
    // One pass decides the views and whether any candidate is fresh; only when none is (an
    // outage: rare) a second pass builds the fail-open views with the last known values.
    EndpointView[] views = views(states, count, nowMillis, staleAfterMillis);
    for (int i = 0; i < count; i++) {
      if (views[i].engineFresh()) {
        return new Candidates(states, views, false);
      }
    }
    if (count == 0) {
      return new Candidates(states, views, false);
    }
    return new Candidates(states, views(states, count, nowMillis, Long.MAX_VALUE), true);
  }

  private EndpointView[] views(EndpointState[] states, int count, long nowMillis, long threshold) {
    Last previous = last;
    EndpointView[] views;
    if (previous != null && previous.states == states && previous.count == count && previous.threshold == threshold) {
      // Mostly the same views as the previous cycle's over the same endpoints: copy its array
      // (one bulk copy) at the first view that changed, and store only the changed ones.
      EndpointView[] base = previous.views;
      views = base;
      for (int i = 0; i < count; i++) {
        EndpointView v = view(states[i], nowMillis, threshold);
        if (v != base[i]) {
          if (views == base) {
            views = base.clone();
          }
          views[i] = v;
        }
      }
    } else {
      views = new EndpointView[count];
      for (int i = 0; i < count; i++) {
        views[i] = view(states[i], nowMillis, threshold);
      }
    }
    if (previous == null || views != previous.views) {
      last = new Last(states, count, threshold, views);
    }
    return views;
  }

  /** The views array of the latest cycle, for the next one over the same endpoint array. */
  private record Last(EndpointState[] states, int count, long threshold, EndpointView[] views) {}

  private static EndpointView view(EndpointState s, long nowMillis, long staleAfter) {
    if (s.lastView() instanceof EndpointView last && holds(last.validity(), s.version(), staleAfter, nowMillis)) {
      return last; // same vector, labels and counters (the version says so), same verdicts
    }
    int version = s.version(); // before the rest: what is read after it is at least that new
    LoadVector v = s.vector();
    long engineAt = v == null ? 0 : v.engineSampledAtMillis();
    long gpuAt = v == null ? 0 : v.gpuSampledAtMillis();
    EndpointView.Validity validity = new EndpointView.Validity(version, staleAfter,
        Math.max(turnsFreshAt(engineAt, nowMillis, staleAfter), turnsFreshAt(gpuAt, nowMillis, staleAfter)),
        Math.min(turnsStaleAfter(engineAt, nowMillis, staleAfter), turnsStaleAfter(gpuAt, nowMillis, staleAfter)));
    EndpointView view = EndpointView.of(s.id(), s.hostPort(), s.labels(), v, fresh(engineAt, nowMillis, staleAfter),
        fresh(gpuAt, nowMillis, staleAfter), validity, s.inFlight(), s.unreflected(), s.inFlightTokens());
    s.lastView(view);
    return view;
  }

  /** The view built with {@code validity} still holds for the endpoint's {@code version} at {@code nowMillis}. */
  private static boolean holds(EndpointView.Validity validity, int version, long staleAfter, long nowMillis) {
    return validity.version() == version && validity.staleAfterMillis() == staleAfter
        && nowMillis >= validity.validFromMillis() && nowMillis <= validity.validUntilMillis();
  }

  private static boolean engineFresh(LoadVector v, long nowMillis, long staleAfter) {
    return v != null && fresh(v.engineSampledAtMillis(), nowMillis, staleAfter);
  }

  /** A sample taken at {@code sampledAtMillis} (0: never) is no older than {@code staleAfter}. */
  private static boolean fresh(long sampledAtMillis, long nowMillis, long staleAfter) {
    return sampledAtMillis > 0 && nowMillis - sampledAtMillis <= staleAfter;
  }

  /** The last clock reading at which a sample fresh at {@code nowMillis} still is; MAX when it stays so. */
  private static long turnsStaleAfter(long sampledAtMillis, long nowMillis, long staleAfter) {
    if (!fresh(sampledAtMillis, nowMillis, staleAfter) || staleAfter > Long.MAX_VALUE - sampledAtMillis) {
      return Long.MAX_VALUE; // never sampled, or stale already: stays so as the clock moves on
    }
    return sampledAtMillis + staleAfter;
  }

  /** The first clock reading at which a sample stale at {@code nowMillis} still is (a clock set back). */
  private static long turnsFreshAt(long sampledAtMillis, long nowMillis, long staleAfter) {
    if (sampledAtMillis <= 0 || fresh(sampledAtMillis, nowMillis, staleAfter)) {
      return Long.MIN_VALUE; // never sampled, or fresh: stays so for any earlier reading
    }
    return sampledAtMillis + staleAfter + 1;
  }
}
