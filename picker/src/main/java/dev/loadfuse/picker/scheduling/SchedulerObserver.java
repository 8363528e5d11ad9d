package dev.loadfuse.picker.scheduling;

/**
 * Where the scheduler reports its timings (the Prometheus metrics, or nothing). The timers are
 * resolved once when the scheduler is built, so the hot path only records numbers.
 */
public interface SchedulerObserver {

  /** Records one duration in nanoseconds. Thread-safe. */
  @FunctionalInterface
  interface Recorder {
    void record(long nanos);
  }

  Recorder NO_OP = nanos -> {};

  SchedulerObserver NONE = new SchedulerObserver() {
    @Override
    public Recorder plugin(String extensionPoint, TypedName plugin) {
      return NO_OP;
    }

    @Override
    public Recorder decision() {
      return NO_OP;
    }
  };

  /** The recorder of one plugin's calls at one extension point ({@code Filter}, {@code Scorer}, ...). */
  Recorder plugin(String extensionPoint, TypedName plugin);

  /** The recorder of whole decisions (profile handler and every profile). */
  Recorder decision();
}
