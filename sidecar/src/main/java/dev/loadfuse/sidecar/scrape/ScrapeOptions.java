package dev.loadfuse.sidecar.scrape;

import dev.loadfuse.sidecar.SidecarOptions;
import java.time.Duration;

/**
 * How one endpoint's /metrics page is fetched.
 *
 * @param interval time between the starts of two scrapes while the endpoint answers
 * @param timeout whole-request timeout (connect, headers and body)
 * @param maxBodyBytes a page larger than this is rejected (the engine adapters' limit too)
 * @param maxBackoff ceiling of the exponential backoff while an endpoint keeps failing
 */
public record ScrapeOptions(Duration interval, Duration timeout, int maxBodyBytes, Duration maxBackoff) {

  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

  /** The sidecar's defaults ({@link SidecarOptions}). */
  public static final ScrapeOptions DEFAULTS = of(new SidecarOptions());

  public ScrapeOptions {
    requirePositive("interval", interval);
    requirePositive("timeout", timeout);
    requirePositive("maxBackoff", maxBackoff);
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: > 0)");
    }
    if (maxBackoff.compareTo(interval) < 0) {
      throw new IllegalArgumentException(
          "maxBackoff: " + maxBackoff + " (expected: >= interval " + interval + ")");
    }
  }

  /** The scrape settings of {@code options}; the backoff ceiling is at least the interval. */
  public static ScrapeOptions of(SidecarOptions options) {
    Duration interval = options.getScrapeInterval();
    return new ScrapeOptions(interval, options.getScrapeTimeout(), options.getMaxPageBytes(),
        DEFAULT_MAX_BACKOFF.compareTo(interval) < 0 ? interval : DEFAULT_MAX_BACKOFF);
  }

  public ScrapeOptions withInterval(Duration newInterval) {
    Duration backoff = maxBackoff.compareTo(newInterval) < 0 ? newInterval : maxBackoff;
    return new ScrapeOptions(newInterval, timeout, maxBodyBytes, backoff);
  }

  public ScrapeOptions withTimeout(Duration newTimeout) {
    return new ScrapeOptions(interval, newTimeout, maxBodyBytes, maxBackoff);
  }

  public ScrapeOptions withMaxBodyBytes(int newMaxBodyBytes) {
    return new ScrapeOptions(interval, timeout, newMaxBodyBytes, maxBackoff);
  }

  private static void requirePositive(String name, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
    }
  }
}
