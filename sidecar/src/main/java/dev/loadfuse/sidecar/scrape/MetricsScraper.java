package dev.loadfuse.sidecar.scrape;

import dev.loadfuse.sidecar.tick.Ticker;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientConnection;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;

/**
 * Scrapes one endpoint's /metrics page in a loop, on the {@link ScrapeScheduler}'s ticker.
 *
 * <ul>
 *   <li>Never two scrapes of one endpoint at once: a scrape starts only when the previous one has
 *       completed, failed or passed its deadline (its connection is then closed).
 *   <li>The first scrape, the first after a failure streak and the one after a scrape that took
 *       longer than the interval go into a phase slot chosen at random (see {@link
 *       ScrapeScheduler}), within one interval; the others are due one interval after the
 *       previous one was due.
 *   <li>While the endpoint fails, the delay doubles up to {@link ScrapeOptions#maxBackoff()}
 *       (with ±20 % jitter, rounded up to the ticker's grid); one success returns to the normal
 *       interval.
 *   <li>A scrape that has not completed {@link ScrapeOptions#timeout()} after it started fails as
 *       a timeout, on the ticker's first wake-up after its deadline (within one grid step).
 * </ul>
 *
 * <p>The page is fetched with the core Vert.x {@link HttpClient} (see {@link #createClient}), and
 * the response chunks are copied straight into a reusable buffer; a Content-Length above the
 * limit is refused before the body is read.
 *
 * <p><b>Connections.</b> One kept-alive connection per endpoint, reused scrape after scrape,
 * except when the server said it will close it: a response with {@code Connection: close}, or an
 * HTTP/1.0 response without {@code Connection: keep-alive}. Then the connection is dropped when
 * the page has been read and the next scrape opens a new one, instead of racing the server's
 * close. A request on a reused connection that finds it closed before any response (the server
 * timed it out just then) is sent again once, on a new connection, within the same scrape.
 *
 * <p>Threading: {@link #start}, {@link #stop} and {@link #updateOptions} must be called on the
 * Vert.x context that owns the scheduler; the listener is called on that context. {@link
 * #status()} may be read from any thread.
 */
public final class MetricsScraper implements Ticker.Task {

  private static final String ACCEPT = "text/plain;version=0.0.4;q=0.9,*/*;q=0.1";

  private final ScrapeScheduler scheduler;
  private final Ticker ticker;
  private final HttpClientAgent client;
  private final HttpConnectOptions connectOptions;
  /** This endpoint's kept-alive connection, when one is open. */
  private HttpClientConnection connection;
  private final ScrapeTarget target;
  private final ScrapeListener listener;
  private final PageBuffer page = new PageBuffer();

  private ScrapeOptions options;
  private RequestOptions request;
  private boolean running;
  /** When the next scrape is due ({@link ScrapeScheduler#now()} time), while running and idle. */
  private long nextDueNanos;
  /** When the scrape in flight was due, and when it times out. */
  private long dueNanos;
  private long deadlineNanos;
  private long startNanos;
  private ScrapeOptions inFlightOptions;
  /** Numbers the scrapes, so that callbacks of an abandoned one are ignored. */
  private int attempt;
  private boolean inFlight;
  /** The scrape in flight was sent on a connection opened for an earlier one (and not yet retried). */
  private boolean reusedConnection;
  /** The response in flight said the server closes the connection after it. */
  private boolean serverCloses;
  private HttpClientRequest current;
  private volatile ScrapeStatus status = ScrapeStatus.NEVER_SCRAPED;

  /** Use {@link ScrapeScheduler#scraper}. */
  MetricsScraper(ScrapeScheduler scheduler, ScrapeTarget target, ScrapeOptions options, ScrapeListener listener) {
    this.scheduler = scheduler;
    this.ticker = scheduler.ticker();
    this.client = scheduler.client();
    this.connectOptions = new HttpConnectOptions().setHost(target.host()).setPort(target.port());
    this.target = target;
    this.listener = listener;
    updateOptions(options);
  }

  /**
   * The HTTP client for scrapers: HTTP/1.1 with keep-alive, no compression, a small pool per
   * endpoint (one scrape at a time each), connections that give up after {@code connectTimeout},
   * and response chunks of up to 64 KiB so that a page arrives in a few buffers rather than many
   * 8 KiB ones. Requests carry no timeout timers of their own: the scheduler's tick enforces the
   * scrape timeout.
   */
  public static HttpClientAgent createClient(Vertx vertx, Duration connectTimeout) {
    return vertx.createHttpClient(
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_1_1)
            .setKeepAlive(true)
            .setDecompressionSupported(false)
            .setMaxChunkSize(64 * 1024)
            .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, Math.max(1, connectTimeout.toMillis())))
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
    nextDueNanos = scheduler.place(this, ticker.now());
    scheduler.register(this);
  }

  public void stop() {
    if (!running) {
      return;
    }
    running = false;
    scheduler.unregister(this);
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
        .putHeader(HttpHeaders.USER_AGENT, "loadfuse-sidecar");
  }

  /** Running and keeping its phase (not backing off): counts for {@link ScrapeScheduler#place}. */
  boolean inPhase() {
    return running && status.consecutiveFailures() == 0;
  }

  /** When the scrape in flight, else the next one, is due. */
  long phaseNanos() {
    return inFlight ? dueNanos : nextDueNanos;
  }

  @Override
  public long due() {
    return !running ? Long.MAX_VALUE : inFlight ? deadlineNanos : nextDueNanos;
  }

  long intervalNanos() {
    return options.interval().toNanos();
  }

  boolean inFlight() {
    return inFlight;
  }

  /** On the ticker, once {@link #due()} has come: starts the next scrape, or times one out. */
  @Override
  public void tick(long now) {
    if (inFlight) {
      completed(attempt, timeout(), false);
    } else if (running) {
      scrapeOnce(now);
    }
  }

  private void scrapeOnce(long now) {
    ScrapeOptions opts = options;
    inFlightOptions = opts;
    dueNanos = nextDueNanos;
    startNanos = now;
    deadlineNanos = ticker.gridCeil(now + opts.timeout().toNanos());
    int a = ++attempt;
    inFlight = true;
    page.reset(opts.maxBodyBytes());
    serverCloses = false;
    HttpClientConnection c = connection;
    reusedConnection = c != null;
    send(a, c);
  }

  /** Sends the request on {@code c}, or on a new connection when null. */
  private void send(int a, HttpClientConnection c) {
    Future<HttpClientRequest> f;
    try {
      f = c != null ? c.request(request) : connect().compose(conn -> conn.request(request));
    } catch (RuntimeException e) { // a closed client throws
      f = Future.failedFuture(e);
    }
    f.onComplete(ar -> requested(a, ar));
  }

  private void requested(int a, AsyncResult<HttpClientRequest> ar) {
    if (a != attempt || !inFlight) {
      if (ar.succeeded()) {
        ar.result().reset(); // abandoned while waiting for a connection
      }
      return;
    }
    if (ar.failed()) {
      if (!retriedOnNewConnection(a, ar.cause())) {
        completed(a, classify(ar.cause()), false);
      }
      return;
    }
    current = ar.result();
    current.send().onComplete(rr -> responded(a, rr));
  }

  /**
   * A request on a reused connection found it closed before any response: the server closed it
   * (idle timeout, restart) as the request went out. Sends it again once on a new connection.
   */
  private boolean retriedOnNewConnection(int a, Throwable cause) {
    if (!reusedConnection || !(cause instanceof HttpClosedException) || !running) {
      return false;
    }
    reusedConnection = false;
    current = null;
    HttpClientConnection c = connection;
    connection = null;
    if (c != null) {
      c.close();
    }
    send(a, null);
    return true;
  }

  private void responded(int a, AsyncResult<HttpClientResponse> ar) {
    if (a != attempt || !inFlight) {
      return;
    }
    if (ar.failed()) {
      if (!retriedOnNewConnection(a, ar.cause())) {
        completed(a, classify(ar.cause()), false);
      }
      return;
    }
    HttpClientResponse response = ar.result();
    serverCloses = closesAfter(response);
    if (response.statusCode() != 200) {
      ScrapeFailure failure = new ScrapeFailure(
          ScrapeFailure.Reason.HTTP_STATUS, "HTTP " + response.statusCode() + " from " + target.url());
      // Read and drop the body, so that the connection can be reused.
      response.handler(b -> {});
      response.exceptionHandler(t -> completed(a, failure, false));
      response.endHandler(v -> completed(a, failure, true));
      return;
    }
    String contentLength = response.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (contentLength != null && !page.expect(parseLength(contentLength))) {
      completed(a, tooLarge(), false);
      return;
    }
    response.handler(b -> received(a, b));
    response.exceptionHandler(t -> completed(a, classify(t), false));
    response.endHandler(v -> completed(a, null, true));
  }

  private void received(int a, Buffer chunk) {
    if (a == attempt && inFlight && !page.append(chunk)) {
      completed(a, tooLarge(), false);
    }
  }

  /** {@code Connection: close}, or HTTP/1.0 without {@code Connection: keep-alive}. */
  static boolean closesAfter(HttpClientResponse response) {
    String connection = response.getHeader(HttpHeaders.CONNECTION);
    if (connection != null) {
      for (String token : connection.split(",")) {
        if (token.trim().equalsIgnoreCase("close")) {
          return true;
        }
        if (token.trim().equalsIgnoreCase("keep-alive")) {
          return false;
        }
      }
    }
    return response.version() == HttpVersion.HTTP_1_0;
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
    dropConnection();
  }

  private void dropConnection() {
    HttpClientConnection c = connection;
    connection = null;
    if (c != null) {
      c.close();
    }
  }

  /**
   * Opens the endpoint's connection, kept for the following scrapes until it closes or a scrape
   * fails: one connection per endpoint, used one request at a time, without going through the
   * client's pool.
   */
  private Future<HttpClientConnection> connect() {
    int a = attempt;
    return client.connect(connectOptions).map(c -> {
      if (a != attempt || !running) {
        c.close(); // abandoned while connecting
        throw new IllegalStateException("scrape abandoned");
      }
      connection = c;
      c.closeHandler(v -> {
        if (connection == c) {
          connection = null;
        }
      });
      return c;
    });
  }

  /** {@code done}: the response was read to its end, else the request is reset. */
  private void completed(int a, ScrapeFailure failure, boolean done) {
    if (a != attempt || !inFlight) {
      return;
    }
    long now = ticker.now();
    long durationNanos = now - startNanos;
    ScrapeOptions opts = inFlightOptions;
    if (done) {
      inFlight = false;
      current = null;
      if (serverCloses) {
        dropConnection(); // never send the next scrape on a connection the server is closing
      }
    } else {
      abandon(); // the rest of the response, if any, is not read
    }
    if (!running) {
      return;
    }
    if (failure == null) {
      long next = dueNanos + opts.interval().toNanos();
      // After failures, or when this scrape overran its interval: back into a phase slot.
      nextDueNanos = status.consecutiveFailures() == 0 && next - now > 0 ? next : scheduler.place(this, now);
      ticker.wake(nextDueNanos);
      long nowMillis = System.currentTimeMillis();
      status = new ScrapeStatus(nowMillis, 0, status.lastError(), status.lastErrorAtMillis());
      listener.onPage(page.bytes(), page.length(), nowMillis, durationNanos);
    } else {
      ScrapeStatus previous = status;
      int failures = previous.consecutiveFailures() + 1;
      nextDueNanos = ticker.gridCeil(now + backoffMillis(opts, failures) * 1_000_000);
      ticker.wake(nextDueNanos);
      status = new ScrapeStatus(
          previous.lastSuccessAtMillis(), failures, failure.message(), System.currentTimeMillis());
      listener.onFailure(failure, durationNanos);
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

  private ScrapeFailure classify(Throwable cause) {
    if (page.overflowed()) {
      return tooLarge();
    }
    String url = target.url();
    if (cause instanceof TimeoutException
        || cause instanceof io.netty.channel.ConnectTimeoutException
        || cause.getClass().getSimpleName().contains("Timeout")) {
      return timeout();
    }
    if (cause instanceof ConnectException || cause instanceof UnknownHostException) {
      return new ScrapeFailure(
          ScrapeFailure.Reason.CONNECT, "cannot connect to " + url + ": " + cause.getMessage());
    }
    return new ScrapeFailure(
        ScrapeFailure.Reason.OTHER, "scraping " + url + " failed: " + describe(cause));
  }

  private ScrapeFailure timeout() {
    return new ScrapeFailure(
        ScrapeFailure.Reason.TIMEOUT,
        "timeout after " + inFlightOptions.timeout().toMillis() + " ms scraping " + target.url());
  }

  private ScrapeFailure tooLarge() {
    return new ScrapeFailure(
        ScrapeFailure.Reason.BODY_TOO_LARGE,
        "page from " + target.url() + " is larger than the limit of " + inFlightOptions.maxBodyBytes() + " bytes");
  }

  private static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
  }
}
