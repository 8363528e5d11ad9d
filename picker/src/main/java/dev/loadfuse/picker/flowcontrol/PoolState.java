package dev.loadfuse.picker.flowcontrol;

/** What flow control needs to know of the pool at a dispatch cycle. Thread-safe; must not block. */
public interface PoolState {

  /**
   * The pool's saturation by the configured detector: at or above the usage limit nothing is
   * dispatched. When every endpoint's metrics are stale the detector judges from the picker's
   * in-flight counts (the fail-open path), and {@link Reading#stale()} says so.
   */
  Reading read();

  /** @param saturation >= 0; 1.0 at capacity @param endpoints how many endpoints the pool has */
  record Reading(double saturation, int endpoints, boolean stale) {}
}
