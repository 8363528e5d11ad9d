package dev.loadfuse.picker.flowcontrol;

import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.candidate.Candidates;
import dev.loadfuse.picker.candidate.StalenessPolicy;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingEvents;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import java.time.InstantSource;
import java.util.Objects;

/**
 * The pool's saturation as flow control reads it: the configured detector over the views of every
 * routable endpoint. When every endpoint's metrics are stale the views carry the last known values
 * and the cycle says fail-open, so the detector judges from the picker's own in-flight counts
 * instead of counting the pool as saturated (the reference then stops dispatching until the
 * requests' TTL runs out).
 */
public final class PoolSaturation implements PoolState {

  private static final SchedulingRequest PROBE =
      new SchedulingRequest("flow-control", "", "", 0, null, null, 0);

  private final Datastore datastore;
  private final StalenessPolicy staleness;
  private final SaturationDetector detector;
  private final InstantSource clock;

  public PoolSaturation(Datastore datastore, StalenessPolicy staleness, SaturationDetector detector,
      InstantSource clock) {
    this.datastore = Objects.requireNonNull(datastore, "datastore");
    this.staleness = Objects.requireNonNull(staleness, "staleness");
    this.detector = Objects.requireNonNull(detector, "detector");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public Reading read() {
    EndpointState[] states = datastore.routable();
    long now = clock.millis();
    Candidates c = staleness.views(states, states.length, now);
    SchedulingCycle cycle = new SchedulingCycle(PROBE, now, null, c.failOpen(), SchedulingEvents.NONE);
    return new Reading(detector.saturation(cycle, c.views(), c.count()), c.count(), c.failOpen());
  }
}
