package dev.loadfuse.benchmarks.sim;

/**
 * Simulated time running {@code scale} times faster than real time: one real second is {@code
 * scale} simulated seconds. Every duration a benchmark reports is in simulated seconds.
 */
public record SimClock(double scale, long originNanos) {

  public SimClock {
    if (!(scale > 0 && scale <= 1000)) {
      throw new IllegalArgumentException("time scale: " + scale + " (expected: (0, 1000])");
    }
  }

  public static SimClock startingNow(double scale) {
    return new SimClock(scale, System.nanoTime());
  }

  /** Simulated seconds since the origin. */
  public double now() {
    return toSimSeconds(System.nanoTime() - originNanos);
  }

  public double toSimSeconds(long realNanos) {
    return realNanos / 1e9 * scale;
  }

  public long toRealNanos(double simSeconds) {
    return (long) (simSeconds / scale * 1e9);
  }
}
