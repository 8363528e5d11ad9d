package dev.loadfuse.discovery;

/**
 * A discovery problem worth telling an operator about: an invalid endpoints file, a lost API
 * server, a malformed InferencePool. The message is complete on its own (it names the source
 * and the offending entry) and fits on one line.
 */
public final class DiscoveryException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public DiscoveryException(String message) {
    super(message);
  }

  public DiscoveryException(String message, Throwable cause) {
    super(message, cause);
  }
}
