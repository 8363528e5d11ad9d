package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.candidate.EndpointView;
import java.util.List;

/**
 * Decides which scheduling profiles run for a request and which result is the primary one.
 *
 * <p>Contract: runs the profiles it needs ({@link SchedulerProfile#run}) over the candidates and
 * returns their results with the primary named; a profile's {@code PickerException} propagates.
 * The candidate array must not be modified (profiles copy it). Called concurrently.
 */
public interface ProfileHandler extends Plugin {

  SchedulingResult handle(SchedulingCycle cycle, List<SchedulerProfile> profiles, EndpointView[] candidates, int count);

  /**
   * Checked once when the config is loaded: a message saying what is wrong with this set of
   * profile names for this handler, or null when it can handle them.
   */
  default String checkProfiles(List<String> profileNames) {
    return null;
  }
}
