package dev.loadfuse.picker.plugins.scorer;

/** Min-max normalisation shared by the count-based scorers. */
public final class MinMax {

  private MinMax() {}

  /**
   * Turns {@code values[0..n)} into scores in [0, 1] in place, lower values scoring higher:
   * {@code (max - v) / (max - min)}; when all are equal, every score is 1.
   */
  public static void lowerIsBetter(double[] values, int n) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      double v = values[i];
      if (v < min) {
        min = v;
      }
      if (v > max) {
        max = v;
      }
    }
    double range = max - min;
    if (!(range > 0)) {
      for (int i = 0; i < n; i++) {
        values[i] = 1;
      }
      return;
    }
    for (int i = 0; i < n; i++) {
      values[i] = (max - values[i]) / range;
    }
  }
}
