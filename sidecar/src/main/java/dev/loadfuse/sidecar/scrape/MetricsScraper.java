package dev.loadfuse.sidecar.scrape;

import io.vertx.core.AsyncResult;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
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
 * <p>The page is fetched with the core Vert.x {@link HttpClient} (see {@link #createClient}), and
 * the response chunks are copied straight into a reusable buffer; a Content-Length above the
 * limit is refused before the body is read.
 *
 * <p>Threading: {@link #start}, {@link #stop} and {@link #updateOptions} must be called on the
 * Vert.x context that owns this scraper; the listener is called on that context. {@link
 * #status()} may be read from any thread.
 */
public final class MetricsScraper {

  private static final String ACCEPT = "text/plain;version=0.0.4;q=0.9,*/*;q=0.1";

  private final Vertx vertx;
  private final HttpClient client;
  private final ScrapeTarget target;
  private final ScrapeListener listener;
  private final PageBuffer page = new PageBuffer();

  private ScrapeOptions options;
  private RequestOptions request;
  private boolean running;
  private long timerId = -1;
  /** Numbers the scrapes, so that callbacks of an abandoned one are ignored. */
  private int attempt;
  private boolean inFlight;
  private HttpClientRequest current;
  private volatile ScrapeStatus status = ScrapeStatus.NEVER_SCRAPED;

  public MetricsScraper(
      Vertx vertx, HttpClient client, ScrapeTarget target, ScrapeOptions options, ScrapeListener listener) {
    this.vertx = vertx;
    this.client = client;
    this.target = target;
    this.listener = listener;
    updateOptions(options);
  }

  /**
   * The HTTP client for scrapers: HTTP/1.1 with keep-alive, no compression, a small pool per
   * endpoint (one scrape at a time each), and response chunks of up to 64 KiB so that a page
   * arrives in a few buffers rather than many 8 KiB ones.
   */
  public static HttpClientAgent createClient(Vertx vertx) {
    return vertx.createHttpClient(
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_1_1)
            .setKeepAlive(true)
            .setDecompressionSupported(false)
            .setMaxChunkSize(64 * 1024)
            .setName("loadfuse-scraper"),
        new PoolOptions().setHttp1MaxSize(2));
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
    abandon();
  }

  /** New options take effect from the next scrape. */
  public void updateOptions(ScrapeOptions newOptions) {
    this.options = newOptions;
    this.request = new RequestOptions()
        .setMethod(HttpMethod.GET)
        .setHost(target.host())
        .setPort(target.port())
        .setURI(target.path())
        .putHeader(HttpHeaders.ACCEPT, ACCEPT)
        .putHeader(HttpHeaders.USER_AGENT, "loadfuse-sidecar")
        .setConnectTimeout(newOptions.timeout().toMillis())
        .setIdleTimeout(newOptions.timeout().toMillis());
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
    if (!running || inFlight) {
      return;
    }
    ScrapeOptions opts = options;
    long startNanos = System.nanoTime();
    int a = ++attempt;
    inFlight = true;
    page.reset(opts.maxBodyBytes());
    io.vertx.core.Future<HttpClientRequest> f;
    try {
      f = client.request(request);
    } catch (RuntimeException e) { // a closed client throws
      f = io.vertx.core.Future.failedFuture(e);
    }
    f.onComplete(ar -> requested(a, ar, opts, startNanos));
  }

  private void requested(int a, AsyncResult<HttpClientRequest> ar, ScrapeOptions opts, long startNanos) {
    if (a != attempt || !inFlight) {
      if (ar.succeeded()) {
        ar.result().reset();
      }
      return;
    }
    if (ar.failed()) {
      completed(a, classify(ar.cause(), opts), false, opts, startNanos);
      return;
    }
    current = ar.result();
    current.send().onComplete(rr -> responded(a, rr, opts, startNanos));
  }

  private void responded(int a, AsyncResult<HttpClientResponse> ar, ScrapeOptions opts, long startNanos) {
    if (a != attempt || !inFlight) {
      return;
    }
    if (ar.failed()) {
      completed(a, classify(ar.cause(), opts), false, opts, startNanos);
      return;
    }
    HttpClientResponse response = ar.result();
    if (response.statusCode() != 200) {
      ScrapeFailure failure = new ScrapeFailure(
          ScrapeFailure.Reason.HTTP_STATUS, "HTTP " + response.statusCode() + " from " + target.url());
      // Read and drop the body, so that the connection can be reused.
      response.handler(b -> {});
      response.exceptionHandler(t -> completed(a, failure, false, opts, startNanos));
      response.endHandler(v -> completed(a, failure, true, opts, startNanos));
      return;
    }
    String contentLength = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (contentLength != null && !page.expect(parseLength(contentLength))) {
      completed(a, tooLarge(opts), false, opts, startNanos);
      return;
    }
    response.handler(b -> received(a, b, opts, startNanos));
    response.exceptionHandler(t -> completed(a, classify(t, opts), false, opts, startNanos));
    response.endHandler(v -> completed(a, null, true, opts, startNanos));
  }

  private void received(int a, Buffer chunk, ScrapeOptions opts, long startNanos) {
    if (a == attempt && inFlight && !page.append(chunk)) {
      completed(a, tooLarge(opts), false, opts, startNanos);
    }
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1; // not trusted; the limit is enforced while reading
    }
  }

  /** Drops the scrape in flight, if any: its connection is closed and its callbacks ignored. */
  private void abandon() {
    inFlight = false;
    attempt++;
    HttpClientRequest r = current;
    current = null;
    if (r != null) {
      r.reset();
    }
  }

  /** {@code done}: the response was read to its end, else the request is reset. */
  private void completed(int a, ScrapeFailure failure, boolean done, ScrapeOptions opts, long startNanos) {
    if (a != attempt || !inFlight) {
      return;
    }
    long durationNanos = System.nanoTime() - startNanos;
    if (done) {
      inFlight = false;
      current = null;
    } else {
      abandon(); // the rest of the response, if any, is not read
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
    if (page.overflowed()) {
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
