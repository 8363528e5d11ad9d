package dev.loadfuse.sidecar.scrape;

import dev.loadfuse.common.errors.Redact;

/**
 * Why a scrape failed. {@code reason} is a short, fixed vocabulary used as a metric label;
 * {@code message} is the human-readable detail shown in {@code lastError}, with credentials taken
 * out ({@link Redact}: a metrics path such as {@code /metrics?token=...} reads {@code
 * /metrics?token=<redacted>}).
 */
public record ScrapeFailure(Reason reason, String message) {

  /** Failure classes, low-cardinality on purpose: they label the scrape-error counter. */
  public enum Reason {
    CONNECT("connect"),
    TIMEOUT("timeout"),
    HTTP_STATUS("http_status"),
    BODY_TOO_LARGE("body_too_large"),
    PARSE("parse"),
    /** The page was read but carries none of the engine's load metrics (wrong engine, login page, binary). */
    NO_METRICS("no_metrics"),
    OTHER("other");

    private final String label;

    Reason(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  public ScrapeFailure {
    if (reason == null || message == null) {
      throw new IllegalArgumentException("reason and message are required");
    }
    message = Redact.text(message);
  }
}
