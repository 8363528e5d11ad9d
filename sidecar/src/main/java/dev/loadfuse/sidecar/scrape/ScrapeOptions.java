package dev.loadfuse.sidecar.scrape;

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

  public static final Duration DEFAULT_INTERVAL = Duration.ofMillis(50);
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(1);
  public static final int DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;
  public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

  public static final ScrapeOptions DEFAULTS =
      new ScrapeOptions(DEFAULT_INTERVAL, DEFAULT_TIMEOUT, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_BACKOFF);

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
