package dev.loadfuse.nvml.mock;

/**
 * A mock value as a function of the seconds elapsed since the probe opened.
 *
 * <p>{@link #min()} and {@link #max()} bound every value the function can take, so that a
 * file is range-checked once when loaded rather than on every sample.
 */
public sealed interface TimeFunction {

  /** The value {@code seconds} after the probe opened ({@code seconds >= 0}). */
  double valueAt(double seconds);

  /** The least value the function takes. */
  double min();

  /** The greatest value the function takes. */
  double max();

  /** Always {@code value}. YAML: a plain number. */
  record Constant(double value) implements TimeFunction {
    @Override
    public double valueAt(double seconds) {
      return value;
    }

    @Override
    public double min() {
      return value;
    }

    @Override
    public double max() {
      return value;
    }
  }

  /** A function that goes from one value to another and takes only values between them. */
  sealed interface FromTo extends TimeFunction {
    double from();

    double to();

    @Override
    default double min() {
      return Math.min(from(), to());
    }

    @Override
    default double max() {
      return Math.max(from(), to());
    }
  }

  /** {@code from} before {@code atSeconds}, {@code to} from then on. */
  record Step(double from, double to, double atSeconds) implements FromTo {
    @Override
    public double valueAt(double seconds) {
      return seconds < atSeconds ? from : to;
    }
  }

  /**
   * {@code from} until {@code startSeconds}, then linear to {@code to} over
   * {@code durationSeconds}, then {@code to}.
   */
  record Ramp(double from, double to, double startSeconds, double durationSeconds) implements FromTo {
    @Override
    public double valueAt(double seconds) {
      double progress = Math.clamp((seconds - startSeconds) / durationSeconds, 0.0, 1.0);
      return from + (to - from) * progress;
    }
  }

  /** {@code mean + amplitude * sin(2 pi (t + phaseSeconds) / periodSeconds)}. */
  record Sine(double mean, double amplitude, double periodSeconds, double phaseSeconds) implements TimeFunction {
    @Override
    public double valueAt(double seconds) {
      return mean + amplitude * Math.sin(2 * Math.PI * (seconds + phaseSeconds) / periodSeconds);
    }

    @Override
    public double min() {
      return mean - amplitude;
    }

    @Override
    public double max() {
      return mean + amplitude;
    }
  }
}
