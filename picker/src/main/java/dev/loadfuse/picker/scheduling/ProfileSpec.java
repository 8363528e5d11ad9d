package dev.loadfuse.picker.scheduling;

import java.util.List;
import java.util.Objects;

/**
 * A scheduling profile as configured: filters in order, weighted scorers, one picker.
 *
 * @param name the profile's name, unique in the config
 */
public record ProfileSpec(String name, List<Filter> filters, List<WeightedScorer> scorers, Picker picker) {

  public ProfileSpec {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("name: missing");
    }
    filters = List.copyOf(filters);
    scorers = List.copyOf(scorers);
    Objects.requireNonNull(picker, "picker (profile " + name + ")");
  }
}
