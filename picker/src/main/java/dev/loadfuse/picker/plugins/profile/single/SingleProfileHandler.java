package dev.loadfuse.picker.plugins.profile.single;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.scheduling.ProfileHandler;
import dev.loadfuse.picker.scheduling.SchedulerProfile;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.util.List;

/**
 * {@code single-profile-handler}: runs the one configured profile; its result is the primary one.
 * A config with more than one profile is rejected. No parameters.
 */
public final class SingleProfileHandler implements ProfileHandler {

  public static final String TYPE = "single-profile-handler";

  private final TypedName typedName;

  public SingleProfileHandler(String name) {
    this.typedName = new TypedName(TYPE, name);
  }

  public static SingleProfileHandler create(String name, Parameters parameters) {
    return new SingleProfileHandler(name);
  }

  @Override
  public TypedName typedName() {
    return typedName;
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
