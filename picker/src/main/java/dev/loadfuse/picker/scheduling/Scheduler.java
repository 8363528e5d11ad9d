package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.datastore.EndpointState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Schedules one request: the profile handler runs the profiles over the candidates and names the
 * primary result. Immutable and thread-safe; a new config builds a new scheduler.
 */
public final class Scheduler {

  private final ProfileHandler handler;
  private final List<SchedulerProfile> profiles;
  private final SchedulerObserver.Recorder decisionTimer;

  public Scheduler(ProfileHandler handler, List<ProfileSpec> profiles, SchedulerObserver observer) {
    this.handler = Objects.requireNonNull(handler, "handler");
    List<SchedulerProfile> built = new ArrayList<>(profiles.size());
    for (ProfileSpec p : profiles) {
      built.add(new SchedulerProfile(p, observer));
    }
    this.profiles = List.copyOf(built);
    this.decisionTimer = observer.decision();
  }

  /**
   * Picks endpoints for the request among {@code candidates[0..count)} (not modified).
   *
   * @throws PickerException {@code InferencePoolResourceExhausted} when nothing can be picked
   */
  public SchedulingResult schedule(SchedulingCycle cycle, EndpointState[] candidates, int count) {
    long t0 = System.nanoTime();
    try {
      return handler.handle(cycle, profiles, candidates, count);
    } finally {
      decisionTimer.record(System.nanoTime() - t0);
    }
  }

  public List<SchedulerProfile> profiles() {
    return profiles;
  }

  public ProfileHandler handler() {
    return handler;
  }
}
