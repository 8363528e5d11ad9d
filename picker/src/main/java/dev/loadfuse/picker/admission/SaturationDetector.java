package dev.loadfuse.picker.admission;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.SchedulingCycle;

/**
 * Decides whether the pool is saturated, before scheduling: while it is, sheddable requests
 * (priority below 0) are refused with 429; other requests always go through. Chosen by the
 * config's {@code saturationDetector} section ({@code utilization-detector} unless configured).
 *
 * <p>Contract: returns the pool's saturation over {@code candidates[0..count)} (not modified), a
 * number >= 0 where 1.0 means "at capacity"; 1.0 when {@code count} is 0. When {@link
 * SchedulingCycle#failOpen()} is true every candidate's metrics are stale and the detector must
 * judge from the last known values and the picker's in-flight counts rather than count stale
 * data as saturated. Called concurrently from event-loop threads; must not block.
 */
public interface SaturationDetector extends Plugin {

  double saturation(SchedulingCycle cycle, EndpointView[] candidates, int count);

  /** {@link #saturation} >= 1. */
  default boolean saturated(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    return saturation(cycle, candidates, count) >= 1.0;
  }
}
