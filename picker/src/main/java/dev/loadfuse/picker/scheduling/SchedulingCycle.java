package dev.loadfuse.picker.scheduling;

import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * One scheduling decision: the request, the clock reading it was made at, whether the picker fails
 * open, and the random source for tie-breaks. What the plugins know of each candidate is in its
 * {@code candidate.EndpointView}, built for this decision.
 *
 * <p>A plugin may keep values for the rest of the decision (e.g. what a scorer computed, for its
 * {@link PreRequest} step) under its own {@link Key}.
 *
 * <p>Confined to the thread that makes the decision.
 */
public final class SchedulingCycle {

  private final SchedulingRequest request;
  private final long nowMillis;
  private final RandomGenerator random;
  private final boolean failOpen;
  private final SchedulingEvents events;
  private Object[] state; // key, value, key, value, ...: a plugin or two use it per decision
  private DecisionTrace trace;

  /** A cycle without fail-open and without event reporting (tests, benchmarks). */
  public SchedulingCycle(SchedulingRequest request, long nowMillis, RandomGenerator random) {
    this(request, nowMillis, random, false, SchedulingEvents.NONE);
  }

  /**
   * @param request the request
   * @param nowMillis wall-clock time of the decision (vectors carry wall-clock sample times); the
   *     candidates' views were built at it
   * @param random the random source; null for {@link ThreadLocalRandom}
   * @param failOpen every candidate's metrics are stale (a scrape outage): the views carry the last
   *     known values plus the picker's in-flight counts, and plugins must not treat stale data as
   *     saturated
   * @param events where filters report what they removed
   */
  public SchedulingCycle(SchedulingRequest request, long nowMillis, RandomGenerator random, boolean failOpen,
      SchedulingEvents events) {
    this.request = Objects.requireNonNull(request, "request");
    this.nowMillis = nowMillis;
    this.random = random;
    this.failOpen = failOpen;
    this.events = events == null ? SchedulingEvents.NONE : events;
  }

  /**
   * True when every candidate's metrics were stale at the start of the decision: stale data must
   * not count as saturated (the picker fails open and routes on the last known values).
   */
  public boolean failOpen() {
    return failOpen;
  }

  public SchedulingEvents events() {
    return events;
  }

  /** Where each plugin's run is reported: null when the request is not traced (or not sampled). */
  public DecisionTrace trace() {
    return trace;
  }

  /** Traces this decision's plugins to {@code trace} (null: none). */
  public SchedulingCycle trace(DecisionTrace trace) {
    this.trace = trace;
    return this;
  }

  public SchedulingRequest request() {
    return request;
  }

  public long nowMillis() {
    return nowMillis;
  }

  public RandomGenerator random() {
    return random != null ? random : ThreadLocalRandom.current();
  }

  /** A key for a plugin's per-decision value; compared by identity, so each plugin makes its own. */
  public static final class Key<T> {
    private final String name;
    private final Class<T> type;

    public Key(String name, Class<T> type) {
      this.name = Objects.requireNonNull(name, "name");
      this.type = Objects.requireNonNull(type, "type");
    }

    @Override
    public String toString() {
      return name;
    }
  }

  /** Keeps {@code value} under {@code key} for the rest of this decision (null removes nothing). */
  public <T> void put(Key<T> key, T value) {
    Objects.requireNonNull(key, "key");
    if (state == null) {
      state = new Object[4];
    }
    int i = 0;
    for (; i < state.length && state[i] != null; i += 2) {
      if (state[i] == key) {
        state[i + 1] = value;
        return;
      }
    }
    if (i == state.length) {
      state = Arrays.copyOf(state, state.length * 2);
    }
    state[i] = key;
    state[i + 1] = value;
  }

  /** The value kept under {@code key}, null when none. */
  public <T> T get(Key<T> key) {
    if (state == null) {
      return null;
    }
    for (int i = 0; i < state.length && state[i] != null; i += 2) {
      if (state[i] == key) {
        return key.type.cast(state[i + 1]);
      }
    }
    return null;
  }
}
