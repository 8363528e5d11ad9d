package dev.loadfuse.picker.scheduling;

import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * One scheduling decision: the request, the clock reading every plugin uses, how old a load
 * vector may be before its metrics count as absent, and the random source for tie-breaks.
 *
 * <p>Confined to the thread that makes the decision.
 */
public final class SchedulingCycle {

  private final SchedulingRequest request;
  private final long nowMillis;
  private final long staleAfterMillis;
  private final RandomGenerator random;

  /**
   * @param request the request
   * @param nowMillis wall-clock time of the decision (vectors carry wall-clock sample times)
   * @param staleAfterMillis a vector sampled longer ago than this counts as absent
   * @param random the random source; null for {@link ThreadLocalRandom}
   */
  public SchedulingCycle(SchedulingRequest request, long nowMillis, long staleAfterMillis, RandomGenerator random) {
    this.request = Objects.requireNonNull(request, "request");
    if (staleAfterMillis <= 0) {
      throw new IllegalArgumentException("staleAfterMillis: " + staleAfterMillis + " (expected: > 0)");
    }
    this.nowMillis = nowMillis;
    this.staleAfterMillis = staleAfterMillis;
    this.random = random;
  }

  public SchedulingRequest request() {
    return request;
  }

  public long nowMillis() {
    return nowMillis;
  }

  public long staleAfterMillis() {
    return staleAfterMillis;
  }

  public RandomGenerator random() {
    return random != null ? random : ThreadLocalRandom.current();
  }
}
