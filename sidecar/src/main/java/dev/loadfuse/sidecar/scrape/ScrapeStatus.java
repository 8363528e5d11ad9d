package dev.loadfuse.sidecar.scrape;

/**
 * What is known about an endpoint's scraping.
 *
 * @param lastSuccessAtMillis wall-clock time of the last good page, 0 if none yet
 * @param consecutiveFailures failures since the last good page
 * @param lastError text of the most recent failure, null if it never failed
 * @param lastErrorAtMillis when that failure happened, 0 if never
 */
public record ScrapeStatus(
    long lastSuccessAtMillis, int consecutiveFailures, String lastError, long lastErrorAtMillis) {

  public static final ScrapeStatus NEVER_SCRAPED = new ScrapeStatus(0, 0, null, 0);

  /** True when the latest attempt succeeded. */
  public boolean healthy() {
    return lastSuccessAtMillis > 0 && consecutiveFailures == 0;
  }
}
