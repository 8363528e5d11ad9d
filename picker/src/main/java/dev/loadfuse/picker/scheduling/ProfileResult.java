package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.candidate.EndpointView;
import java.util.List;

/**
 * What one profile chose.
 *
 * @param profile the profile's name
 * @param targets the chosen endpoints, primary first, then fallbacks; never empty
 */
public record ProfileResult(String profile, List<EndpointView> targets) {

  public ProfileResult {
    targets = List.copyOf(targets);
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("targets: empty (profile " + profile + ")");
    }
  }

  public EndpointView primary() {
    return targets.getFirst();
  }
}
