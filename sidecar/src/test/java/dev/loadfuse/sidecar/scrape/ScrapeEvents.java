package dev.loadfuse.sidecar.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** What a scraper reported, in order: each page as its text, each failure as it came; {@link #next()} waits for one. */
final class ScrapeEvents implements ScrapeListener {

  private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();

  @Override
  public void onPage(byte[] page, int length, long scrapedAtMillis, long durationNanos) {
    events.add(new String(page, 0, length, StandardCharsets.UTF_8));
  }

  @Override
  public void onFailure(ScrapeFailure failure, long durationNanos) {
    events.add(failure);
  }

  /** The next event (a page's text or a {@link ScrapeFailure}); fails the test when none comes within 10 s. */
  Object next() throws InterruptedException {
    Object e = events.poll(10, TimeUnit.SECONDS);
    assertThat(e).as("an event within 10 s").isNotNull();
    return e;
  }

  /** The next event, which must be a failure for {@code reason}. */
  ScrapeFailure nextFailure(ScrapeFailure.Reason reason) throws InterruptedException {
    Object e = next();
    assertThat(e).isInstanceOf(ScrapeFailure.class);
    ScrapeFailure f = (ScrapeFailure) e;
    assertThat(f.reason()).isEqualTo(reason);
    return f;
  }
}
