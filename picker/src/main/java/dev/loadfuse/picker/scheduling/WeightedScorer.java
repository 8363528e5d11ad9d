package dev.loadfuse.picker.scheduling;

import java.util.Objects;

/** A scorer and its weight in a profile (>= 0; 1 unless the config says otherwise). */
public record WeightedScorer(Scorer scorer, double weight) {

  public WeightedScorer {
    Objects.requireNonNull(scorer, "scorer");
    if (!(weight >= 0) || Double.isInfinite(weight)) {
      throw new IllegalArgumentException("weight: " + weight + " (expected: finite, >= 0)");
    }
  }
}
