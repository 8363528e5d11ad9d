package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.candidate.EndpointView;
import java.util.List;

/**
 * What one profile chose.
 *
 * @param profile the profile's name
 * @param targets the chosen endpoints, primary first, then fallbacks; never empty
 * @param scores the scored candidates' weighted scores ({@link Scores#NONE} when the profile has no scorers)
 */
public record ProfileResult(String profile, List<EndpointView> targets, Scores scores) {

  public ProfileResult(String profile, List<EndpointView> targets) {
    this(profile, targets, Scores.NONE);
  }

  public ProfileResult {
    targets = List.copyOf(targets);
    scores = scores == null ? Scores.NONE : scores;
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("targets: empty (profile " + profile + ")");
    }
  }

  public EndpointView primary() {
    return targets.getFirst();
  }
}
