package dev.loadfuse.engine.prometheus;

/**
 * A metrics page is larger than the configured limit. Thrown before any of it is parsed: a page
 * this large is a misconfigured or hostile endpoint, not a load report.
 */
public final class PageTooLargeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * @param sizeBytes the page size, or -1 when reading stopped at the limit without learning it
   * @param limitBytes the limit
   */
  public PageTooLargeException(long sizeBytes, long limitBytes) {
    super(
        "metrics page too large: "
            + (sizeBytes < 0 ? "more than " + limitBytes : Long.toString(sizeBytes))
            + " bytes (limit: "
            + limitBytes
            + " bytes)");
  }
}
