package dev.loadfuse.sidecar.scrape;

/**
 * Receives the outcome of each scrape of one endpoint, on that scraper's event-loop context.
 *
 * <p>{@link #onPage} must consume {@code page} before returning: the array is the scraper's
 * reusable buffer and is overwritten by the next scrape.
 */
public interface ScrapeListener {

  /**
   * A page arrived.
   *
   * @param page buffer holding the body in {@code [0, length)}
   * @param scrapedAtMillis wall-clock time the response completed
   * @param durationNanos time from sending the request to the end of the body
   */
  void onPage(byte[] page, int length, long scrapedAtMillis, long durationNanos);

  /** The scrape failed; the scraper backs off before the next try. */
  void onFailure(ScrapeFailure failure, long durationNanos);
}
