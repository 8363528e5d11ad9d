package dev.loadfuse.engine.prometheus;

/**
 * A metrics page is larger than the configured limit. Thrown before any of it is parsed: a page
 * this large is a misconfigured or hostile endpoint, not a load report.
 */
public final class PageTooLargeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final long sizeBytes;
  private final long limitBytes;

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
    this.sizeBytes = sizeBytes;
    this.limitBytes = limitBytes;
  }

  /** The page size in bytes, or -1 when only "more than the limit" is known. */
  public long sizeBytes() {
    return sizeBytes;
  }

  public long limitBytes() {
    return limitBytes;
  }
}
