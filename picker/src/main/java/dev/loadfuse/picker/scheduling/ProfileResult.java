package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.candidate.EndpointView;
import java.util.List;
import java.util.Map;

/**
 * What one profile chose.
 *
 * @param profile the profile's name
 * @param targets the chosen endpoints, primary first, then fallbacks; never empty
 * @param scores each scored candidate's weighted score by {@code ip:port}, when the cycle keeps them
 *     ({@code --emit-endpoint-scores}) and the profile has scorers; else empty
 */
public record ProfileResult(String profile, List<EndpointView> targets, Map<String, Double> scores) {

  public ProfileResult(String profile, List<EndpointView> targets) {
    this(profile, targets, Map.of());
  }

  public ProfileResult {
    targets = List.copyOf(targets);
    scores = scores == null ? Map.of() : Map.copyOf(scores);
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("targets: empty (profile " + profile + ")");
    }
  }

  public EndpointView primary() {
    return targets.getFirst();
  }
}
