package dev.loadfuse.picker.plugins.scorer;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * A scorer that falls linearly with one load figure of each endpoint, from {@code top} at no load
 * to 0 at {@code threshold} and above: {@code top × (1 − min(load, threshold) / threshold)}. Unlike
 * {@link MinMax} the scale is fixed, so an endpoint's score does not depend on the other candidates.
 */
public abstract class ThresholdScorer extends NamedPlugin implements Scorer {

  private final double threshold;
  private final double top;

  protected ThresholdScorer(String type, String name, double threshold, double top) {
    super(type, name);
    if (!(threshold > 0) || Double.isInfinite(threshold)) {
      throw new IllegalArgumentException("threshold: " + threshold + " (expected: > 0)");
    }
    this.threshold = threshold;
    this.top = top;
  }

  /** The endpoint's load in the threshold's unit; 0 or less counts as none. */
  protected abstract double load(EndpointView endpoint);

  @Override
  public final void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    for (int i = 0; i < count; i++) {
      double load = load(candidates[i]);
      scores[i] = load <= 0 ? top : top * (1 - Math.min(load, threshold) / threshold);
    }
  }

  public double threshold() {
    return threshold;
  }

  /**
   * The integer threshold {@code key}, {@code defaultValue} when absent; like the reference, a
   * value of 0 or less also means the default (with a warning).
   */
  protected static int threshold(Parameters p, String key, int defaultValue) {
    int t = p.integer(key, defaultValue, Integer.MIN_VALUE, Integer.MAX_VALUE);
    if (t <= 0) {
      p.warn(p.path(key) + ": " + t + " is not positive; using the default " + defaultValue);
      return defaultValue;
    }
    return t;
  }
}
