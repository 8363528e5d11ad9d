package dev.loadfuse.sidecar.scrape;

import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.codec.BodyCodec;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * Scrapes one endpoint's /metrics page in a loop.
 *
 * <ul>
 *   <li>Never two scrapes of one endpoint at once: the next scrape is scheduled only when the
 *       previous one has completed.
 *   <li>The first scrape starts after a random delay within one interval, so that many endpoints
 *       do not all fire on the same tick.
 *   <li>While the endpoint fails, the delay doubles up to {@link ScrapeOptions#maxBackoff()}
 *       (with ±20 % jitter); one success returns to the normal interval.
 * </ul>
 *
 * <p>Threading: {@link #start}, {@link #stop} and {@link #updateOptions} must be called on the
 * Vert.x context that owns this scraper; the listener is called on that context. {@link
 * #status()} may be read from any thread.
 */
public final class MetricsScraper {

  private final Vertx vertx;
  private final WebClient client;
  private final ScrapeTarget target;
  private final ScrapeListener listener;
  private final PageBuffer page = new PageBuffer();

  private ScrapeOptions options;
  private boolean running;
  private long timerId = -1;
  private volatile ScrapeStatus status = ScrapeStatus.NEVER_SCRAPED;

  public MetricsScraper(
      Vertx vertx, WebClient client, ScrapeTarget target, ScrapeOptions options, ScrapeListener listener) {
    this.vertx = vertx;
    this.client = client;
    this.target = target;
    this.options = options;
    this.listener = listener;
  }

  public ScrapeTarget target() {
    return target;
  }

  public ScrapeStatus status() {
    return status;
  }

  public void start() {
    if (running) {
      return;
    }
    running = true;
    long intervalMs = options.interval().toMillis();
    schedule(intervalMs <= 1 ? 1 : 1 + ThreadLocalRandom.current().nextLong(intervalMs));
  }

  public void stop() {
    running = false;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
      timerId = -1;
    }
  }

  /** New options take effect from the next scrape. */
  public void updateOptions(ScrapeOptions newOptions) {
    this.options = newOptions;
  }

  private void schedule(long delayMs) {
    if (!running) {
      return;
    }
    timerId = vertx.setTimer(Math.max(1, delayMs), id -> {
      timerId = -1;
      scrapeOnce();
    });
  }

  private void scrapeOnce() {
    if (!running) {
      return;
    }
    ScrapeOptions opts = options;
    long startNanos = System.nanoTime();
    page.reset(opts.maxBodyBytes());
    client
        .get(target.port(), target.host(), target.path())
        .putHeader("Accept", "text/plain;version=0.0.4;q=0.9,*/*;q=0.1")
        .connectTimeout(opts.timeout().toMillis())
        .idleTimeout(opts.timeout().toMillis())
        .as(BodyCodec.pipe(page, true))
        .send()
        .onComplete(ar -> completed(ar, opts, startNanos));
  }

  private void completed(AsyncResult<HttpResponse<Void>> ar, ScrapeOptions opts, long startNanos) {
    long durationNanos = System.nanoTime() - startNanos;
    ScrapeFailure failure = null;
    if (ar.failed()) {
      failure = classify(ar.cause(), opts);
    } else if (page.overflowed()) {
      failure = tooLarge(opts);
    } else if (ar.result().statusCode() != 200) {
      failure = new ScrapeFailure(
          ScrapeFailure.Reason.HTTP_STATUS,
          "HTTP " + ar.result().statusCode() + " from " + target.url());
    }
    if (!running) {
      return;
    }
    if (failure == null) {
      long now = System.currentTimeMillis();
      status = new ScrapeStatus(now, 0, status.lastError(), status.lastErrorAtMillis());
      try {
        listener.onPage(page.bytes(), page.length(), now, durationNanos);
      } finally {
        schedule(opts.interval().toMillis() - durationNanos / 1_000_000);
      }
    } else {
      ScrapeStatus previous = status;
      int failures = previous.consecutiveFailures() + 1;
      status = new ScrapeStatus(
          previous.lastSuccessAtMillis(), failures, failure.message(), System.currentTimeMillis());
      try {
        listener.onFailure(failure, durationNanos);
      } finally {
        schedule(backoffMillis(opts, failures));
      }
    }
  }

  static long backoffMillis(ScrapeOptions opts, int consecutiveFailures) {
    long base = opts.interval().toMillis();
    long max = opts.maxBackoff().toMillis();
    int shift = Math.min(consecutiveFailures - 1, 30);
    long delay = base << shift;
    if (delay <= 0 || delay > max) {
      delay = max;
    }
    double jitter = 0.8 + 0.4 * ThreadLocalRandom.current().nextDouble();
    return Math.max(1, Math.round(delay * jitter));
  }

  private ScrapeFailure classify(Throwable cause, ScrapeOptions opts) {
    if (cause instanceof PageBuffer.BodyTooLargeException || page.overflowed()) {
      return tooLarge(opts);
    }
    String url = target.url();
    if (cause instanceof TimeoutException
        || cause instanceof io.netty.channel.ConnectTimeoutException
        || cause.getClass().getSimpleName().contains("Timeout")) {
      return new ScrapeFailure(
          ScrapeFailure.Reason.TIMEOUT, "timeout after " + opts.timeout().toMillis() + " ms scraping " + url);
    }
    if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
      return new ScrapeFailure(
          ScrapeFailure.Reason.CONNECT, "cannot connect to " + url + ": " + cause.getMessage());
    }
    return new ScrapeFailure(
        ScrapeFailure.Reason.OTHER, "scraping " + url + " failed: " + describe(cause));
  }

  private ScrapeFailure tooLarge(ScrapeOptions opts) {
    return new ScrapeFailure(
        ScrapeFailure.Reason.BODY_TOO_LARGE,
        "page from " + target.url() + " is larger than the limit of " + opts.maxBodyBytes() + " bytes");
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
