package dev.loadfuse.picker.candidate;

import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.List;

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
 * <p>Immutable and thread-safe.
 */
public final class StalenessPolicy {

  private final long staleAfterMillis;

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
    EndpointView[] views = new EndpointView[count];
    boolean anyFresh = false;
    for (int i = 0; i < count; i++) {
      views[i] = view(states[i], nowMillis, staleAfterMillis);
      anyFresh |= views[i].engineFresh();
    }
    boolean failOpen = !anyFresh && count > 0;
    if (failOpen) {
      // Rare (an outage): build again with the last known values rather than check twice per cycle.
      for (int i = 0; i < count; i++) {
        views[i] = view(states[i], nowMillis, Long.MAX_VALUE);
      }
    }
    return new Candidates(states, views, failOpen);
  }

  private static EndpointView view(EndpointState s, long nowMillis, long staleAfter) {
    LoadVector v = s.vector();
    int inFlight = s.inFlight();
    int unreflected = s.unreflected();
    long tokens = s.inFlightTokens();
    if (v == null) {
      return new EndpointView(s.id(), s.hostPort(), s.labels(), Double.NaN, Double.NaN, Double.NaN, null, -1, -1,
          inFlight, inFlight, List.of(), false, false, false, Long.MAX_VALUE, inFlight, tokens, false);
    }
    boolean engine = engineFresh(v, nowMillis, staleAfter);
    double waiting = engine ? v.waitingRequests() : Double.NaN;
    double running = engine ? v.runningRequests() : Double.NaN;
    long gpuAt = v.gpuSampledAtMillis();
    boolean gpu = gpuAt > 0 && nowMillis - gpuAt <= staleAfter;
    long sampledAt = v.engineSampledAtMillis();
    return new EndpointView(s.id(), s.hostPort(), s.labels(),
        waiting, running, engine ? v.kvCacheUsage() : Double.NaN, engine ? v.lora() : null,
        v.cacheBlockSize(), v.numGpuBlocks(),
        Double.isNaN(waiting) ? inFlight : waiting + unreflected,
        Double.isNaN(running) ? inFlight : running + unreflected,
        gpu ? v.gpus() : List.of(), v.gpuLost(), engine, gpu,
        sampledAt > 0 ? nowMillis - sampledAt : Long.MAX_VALUE, inFlight, tokens, v.healthy());
  }

  private static boolean engineFresh(LoadVector v, long nowMillis, long staleAfter) {
    return v != null && v.engineSampledAtMillis() > 0 && nowMillis - v.engineSampledAtMillis() <= staleAfter;
  }
}
