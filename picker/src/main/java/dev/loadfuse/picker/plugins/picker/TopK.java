package dev.loadfuse.picker.plugins.picker;

import dev.loadfuse.picker.scheduling.config.Parameters;
import java.util.random.RandomGenerator;

/** Selection helpers shared by the pickers. */
public final class TopK {

  /** The {@code maxNumOfEndpoints} parameter every picker takes: primary plus fallbacks. */
  public static final String MAX_NUM_OF_ENDPOINTS = "maxNumOfEndpoints";
  public static final int DEFAULT_MAX_NUM_OF_ENDPOINTS = 1;

  private TopK() {}

  /** The parameter; 0 or less means 1, as in the reference (with a warning). */
  public static int maxNumOfEndpoints(Parameters parameters) {
    int n = parameters.integer(MAX_NUM_OF_ENDPOINTS, DEFAULT_MAX_NUM_OF_ENDPOINTS, Integer.MIN_VALUE, Integer.MAX_VALUE);
    if (n < 1) {
      parameters.warn(parameters.path(MAX_NUM_OF_ENDPOINTS) + ": " + n + " means 1");
      return 1;
    }
    return n;
  }

  /** Writes a uniformly random permutation of {@code 0..n-1} into {@code into[0..n)}. */
  public static void shuffle(int[] into, int n, RandomGenerator random) {
    for (int i = 0; i < n; i++) {
      into[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = random.nextInt(i + 1);
      int t = into[i];
      into[i] = into[j];
      into[j] = t;
    }
  }

  /**
   * Writes into {@code into[0..k)} the indexes of the {@code k} largest {@code values[0..n)},
   * largest first, ties broken at random. Uses {@code into[0..n)} as scratch; O(n·k).
   */
  public static int largest(double[] values, int n, int k, int[] into, RandomGenerator random) {
    k = Math.min(k, n);
    if (k == 1) {
      into[0] = argMax(values, n, random);
      return 1;
    }
    shuffle(into, n, random);
    for (int a = 0; a < k; a++) {
      int best = a;
      for (int b = a + 1; b < n; b++) {
        if (values[into[b]] > values[into[best]]) {
          best = b;
        }
      }
      int t = into[a];
      into[a] = into[best];
      into[best] = t;
    }
    return k;
  }

  /** The index of the largest of {@code values[0..n)}, uniformly at random among ties. */
  public static int argMax(double[] values, int n, RandomGenerator random) {
    int best = 0;
    double bestValue = values[0];
    int ties = 1;
    for (int i = 1; i < n; i++) {
      double v = values[i];
      if (v > bestValue) {
        best = i;
        bestValue = v;
        ties = 1;
      } else if (v == bestValue && random.nextInt(++ties) == 0) {
        // Reservoir sampling over the ties seen so far: each ends up chosen with 1/ties.
        best = i;
      }
    }
    return best;
  }
}
