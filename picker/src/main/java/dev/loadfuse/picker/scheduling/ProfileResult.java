package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.datastore.EndpointState;
import java.util.List;

/**
 * What one profile chose.
 *
 * @param profile the profile's name
 * @param targets the chosen endpoints, primary first, then fallbacks; never empty
 */
public record ProfileResult(String profile, List<EndpointState> targets) {

  public ProfileResult {
    targets = List.copyOf(targets);
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("targets: empty (profile " + profile + ")");
    }
  }

  public EndpointState primary() {
    return targets.getFirst();
  }
}
