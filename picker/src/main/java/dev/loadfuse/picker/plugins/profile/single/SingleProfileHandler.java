package dev.loadfuse.picker.plugins.profile.single;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.ProfileHandler;
import dev.loadfuse.picker.scheduling.SchedulerProfile;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import java.util.List;

/**
 * {@code single-profile-handler}: runs the one configured profile; its result is the primary one.
 * A config with more than one profile is rejected. No parameters.
 */
public final class SingleProfileHandler extends NamedPlugin implements ProfileHandler {

  public static final String TYPE = "single-profile-handler";

  public SingleProfileHandler(String name) {
    super(TYPE, name);
  }

  @Override
  public String checkProfiles(List<String> profileNames) {
    return profileNames.size() == 1 ? null
        : "exactly one scheduling profile expected, found " + profileNames.size() + " " + profileNames;
  }

  @Override
  public SchedulingResult handle(SchedulingCycle cycle, List<SchedulerProfile> profiles, EndpointView[] candidates, int count) {
    return SchedulingResult.of(profiles.getFirst().run(cycle, candidates, count));
  }
}
