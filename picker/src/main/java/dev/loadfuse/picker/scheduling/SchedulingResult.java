package dev.loadfuse.picker.scheduling;

import java.util.Map;

/**
 * The results of the profiles that ran for a request, and which one routes it.
 *
 * @param primaryProfile the name of the profile whose targets route the request
 * @param results every result, by profile name
 */
public record SchedulingResult(String primaryProfile, Map<String, ProfileResult> results) {

  public SchedulingResult {
    results = Map.copyOf(results);
    if (!results.containsKey(primaryProfile)) {
      throw new IllegalArgumentException("primaryProfile: " + primaryProfile + " has no result");
    }
  }

  public static SchedulingResult of(ProfileResult only) {
    return new SchedulingResult(only.profile(), Map.of(only.profile(), only));
  }

  /** The primary profile's result. */
  public ProfileResult primary() {
    return results.get(primaryProfile);
  }
}
