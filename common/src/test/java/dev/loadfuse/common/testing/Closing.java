package dev.loadfuse.common.testing;

/**
 * Closing what a test opened, in a teardown or a {@code finally}: what was never opened (null) is
 * passed over; the first failure stops the closing, as a plain sequence of {@code close()} calls
 * would.
 */
public final class Closing {

  /** How to close a {@code T} (a channel's shutdown, a Vert.x's close and wait). */
  @FunctionalInterface
  public interface Closer<T> {
    void close(T resource) throws Exception;
  }

  private Closing() {}

  /** Closes {@code resource} with {@code closer}, unless it is null. */
  public static <T> void ifOpen(T resource, Closer<T> closer) throws Exception {
    if (resource != null) {
      closer.close(resource);
    }
  }

  /** Closes each of {@code resources} in order, passing over the nulls. */
  public static void all(AutoCloseable... resources) throws Exception {
    for (AutoCloseable r : resources) {
      if (r != null) {
        r.close();
      }
    }
  }
}
