package dev.loadfuse.picker.scheduling;

/**
 * Where filters report what they removed (the Prometheus metrics, or nothing), so an operator can
 * see why endpoints stopped getting traffic. Reasons are a small fixed set per filter (they become
 * metric labels), e.g. {@code throttled}, {@code queue}, {@code stale}.
 *
 * <p>Thread-safe; called from event-loop threads, at most once per filter and reason per decision.
 */
public interface SchedulingEvents {

  SchedulingEvents NONE = new SchedulingEvents() {
    @Override
    public void filtered(TypedName filter, String reason, int endpoints) {}

    @Override
    public void keptAll(TypedName filter, int endpoints) {}
  };

  /** {@code filter} removed {@code endpoints} candidates (> 0) for {@code reason}. */
  void filtered(TypedName filter, String reason, int endpoints);

  /**
   * {@code filter} would have removed every one of its {@code endpoints} candidates and kept them
   * all instead (its fail-open fallback).
   */
  void keptAll(TypedName filter, int endpoints);
}
