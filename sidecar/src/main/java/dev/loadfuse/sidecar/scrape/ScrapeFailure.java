package dev.loadfuse.sidecar.scrape;

import dev.loadfuse.common.errors.ReasonLabel;
import dev.loadfuse.common.errors.Redact;

/**
 * Why a scrape failed. {@code reason} is a short, fixed vocabulary used as a metric label;
 * {@code message} is the human-readable detail shown in {@code lastError}, with credentials taken
 * out ({@link Redact}: a metrics path such as {@code /metrics?token=...} reads {@code
 * /metrics?token=<redacted>}).
 */
public record ScrapeFailure(Reason reason, String message) {

  /** Failure classes, low-cardinality on purpose: they label the scrape-error counter ({@code http_status}). */
  public enum Reason implements ReasonLabel {
    CONNECT,
    TIMEOUT,
    HTTP_STATUS,
    BODY_TOO_LARGE,
    PARSE,
    /** The page was read but carries none of the engine's load metrics (wrong engine, login page, binary). */
    NO_METRICS,
    OTHER
  }

  public ScrapeFailure {
    if (reason == null || message == null) {
      throw new IllegalArgumentException("reason and message are required");
    }
    message = Redact.text(message);
  }
}
