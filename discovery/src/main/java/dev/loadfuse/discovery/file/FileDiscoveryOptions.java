package dev.loadfuse.discovery.file;

import java.time.Duration;
import java.util.Objects;

/**
 * Options of {@link FileEndpointDiscovery}.
 *
 * @param pollInterval how often the file is checked for changes; default {@link
 *     #DEFAULT_POLL_INTERVAL}
 */
public record FileDiscoveryOptions(Duration pollInterval) {

  public static final Duration DEFAULT_POLL_INTERVAL = Duration.ofSeconds(1);
  public static final FileDiscoveryOptions DEFAULTS = new FileDiscoveryOptions(DEFAULT_POLL_INTERVAL);

  public FileDiscoveryOptions {
    Objects.requireNonNull(pollInterval, "pollInterval");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval: " + pollInterval + " (expected: > 0)");
    }
  }

  public FileDiscoveryOptions withPollInterval(Duration pollInterval) {
    return new FileDiscoveryOptions(pollInterval);
  }
}
