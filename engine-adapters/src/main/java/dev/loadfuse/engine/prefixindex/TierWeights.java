package dev.loadfuse.engine.prefixindex;

/**
 * What a block counts for on each tier (llm-d's {@code kvCacheBackendConfigs}: gpu 1.0, cpu 0.8).
 */
public record TierWeights(double gpu, double cpu) {
  public static final TierWeights DEFAULT = new TierWeights(1.0, 0.8);

  public TierWeights {
    if (!(gpu >= 0 && gpu <= 1e6) || !(cpu >= 0 && cpu <= 1e6)) {
      throw new IllegalArgumentException("tier weights: gpu " + gpu + ", cpu " + cpu + " (expected: finite, >= 0)");
    }
  }
}
