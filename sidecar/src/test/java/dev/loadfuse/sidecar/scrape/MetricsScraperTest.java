package dev.loadfuse.sidecar.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.sidecar.tick.Ticker;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpClientAgent;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class MetricsScraperTest {

  private Vertx vertx;
  private HttpClientAgent client;
  private final ScrapeEvents events = new ScrapeEvents();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    client = MetricsScraper.createClient(vertx, Duration.ofSeconds(5));
  }

  @AfterEach
  void tearDown() throws Exception {
    client.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private int serve(Consumer<io.vertx.core.http.HttpServerRequest> handler) throws Exception {
    HttpServer server = vertx.createHttpServer().requestHandler(handler::accept);
    return server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  private MetricsScraper scraper(int port, ScrapeOptions options) {
    ScrapeScheduler scheduler = new ScrapeScheduler(new Ticker(vertx, ScrapeScheduler.resolutionFor(options.interval())), client);
    return scheduler.scraper(new ScrapeTarget("127.0.0.1", port, "/metrics"), options, events);
  }

  private void start(MetricsScraper s) throws Exception {
    CompletableFuture<Void> started = new CompletableFuture<>();
    vertx.runOnContext(v -> {
      s.start();
      started.complete(null);
    });
    started.get(5, TimeUnit.SECONDS);
  }

  private Object next() throws InterruptedException {
    return events.next();
  }

  @Test
  void goodPage_isDeliveredRepeatedly_andStatusHealthy() throws Exception {
    AtomicInteger n = new AtomicInteger();
    int port = serve(req -> req.response().end("vllm:num_requests_waiting " + n.incrementAndGet() + "\n"));
    MetricsScraper s = scraper(port, ScrapeOptions.DEFAULTS.withInterval(Duration.ofMillis(10)));
    start(s);
    assertThat(next()).isEqualTo("vllm:num_requests_waiting 1\n");
    assertThat(next()).isEqualTo("vllm:num_requests_waiting 2\n");
    assertThat(s.status().healthy()).isTrue();
    assertThat(s.status().lastSuccessAtMillis()).isPositive();
  }

  @Test
  void httpError_isReportedWithStatusAndUrl() throws Exception {
    int port = serve(req -> req.response().setStatusCode(503).end("busy"));
    MetricsScraper s = scraper(port, ScrapeOptions.DEFAULTS.withInterval(Duration.ofMillis(10)));
    start(s);
    ScrapeFailure f = events.nextFailure(ScrapeFailure.Reason.HTTP_STATUS);
    assertThat(f.message()).isEqualTo("HTTP 503 from http://127.0.0.1:" + port + "/metrics");
    assertThat(s.status().healthy()).isFalse();
    assertThat(s.status().lastError()).isEqualTo(f.message());
  }

  @Test
  void connectionRefused_isAConnectFailure() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0)) {
      port = probe.getLocalPort();
    }
    MetricsScraper s = scraper(port, ScrapeOptions.DEFAULTS.withInterval(Duration.ofMillis(10)));
    start(s);
    ScrapeFailure f = events.nextFailure(ScrapeFailure.Reason.CONNECT);
    assertThat(f.message()).startsWith("cannot connect to http://127.0.0.1:" + port + "/metrics");
  }

  @Test
  void bodyOverLimit_isRejected() throws Exception {
    String big = "x".repeat(10_000);
    int port = serve(req -> req.response().setChunked(true).write(big).compose(v -> req.response().end(big)));
    MetricsScraper s = scraper(port, ScrapeOptions.DEFAULTS.withInterval(Duration.ofMillis(10)).withMaxBodyBytes(15_000));
    start(s);
    ScrapeFailure f = events.nextFailure(ScrapeFailure.Reason.BODY_TOO_LARGE);
    assertThat(f.message()).isEqualTo(
        "page from http://127.0.0.1:" + port + "/metrics is larger than the limit of 15000 bytes");
  }

  @Test
  void contentLengthOverLimit_isRejectedBeforeTheBodyArrives() throws Exception {
    // Announces 100,000 bytes but sends 10 and never ends: only the header can tell.
    int port = serve(req -> req.response().putHeader("Content-Length", "100000").write("0123456789"));
    MetricsScraper s = scraper(port, ScrapeOptions.DEFAULTS.withInterval(Duration.ofMillis(10))
        .withMaxBodyBytes(15_000).withTimeout(Duration.ofSeconds(60)));
    start(s);
    ScrapeFailure f = events.nextFailure(ScrapeFailure.Reason.BODY_TOO_LARGE);
  }

  @Test
  void slowServer_timesOut() throws Exception {
    int port = serve(req -> { /* never answers */ });
    MetricsScraper s = scraper(port, ScrapeOptions.DEFAULTS.withInterval(Duration.ofMillis(10)).withTimeout(Duration.ofMillis(100)));
    start(s);
    ScrapeFailure f = events.nextFailure(ScrapeFailure.Reason.TIMEOUT);
    assertThat(f.message()).isEqualTo("timeout after 100 ms scraping http://127.0.0.1:" + port + "/metrics");
  }

  @Test
  void neverTwoScrapesAtOnce_evenWhenTheServerIsSlowerThanTheInterval() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    int port = serve(req -> {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      vertx.setTimer(30, id -> {
        inFlight.decrementAndGet();
        req.response().end("m 1\n");
      });
    });
    MetricsScraper s = scraper(port, ScrapeOptions.DEFAULTS.withInterval(Duration.ofMillis(5)));
    start(s);
    for (int i = 0; i < 5; i++) {
      assertThat(next()).isEqualTo("m 1\n");
    }
    assertThat(maxInFlight.get()).isEqualTo(1);
  }

  // ---------------------------------------------------------------- servers that close their connections

  /** Scrapes every 1 ms until {@code pages} pages arrived; every failure in between is returned. */
  private java.util.List<ScrapeFailure> scrapeUntil(int port, int pages) throws Exception {
    MetricsScraper s = scraper(port, ScrapeOptions.DEFAULTS.withInterval(Duration.ofMillis(1)));
    start(s);
    java.util.List<ScrapeFailure> failures = new java.util.ArrayList<>();
    int got = 0;
    while (got < pages) {
      Object e = next();
      if (e instanceof ScrapeFailure f) {
        failures.add(f);
        assertThat(failures).as("failures so far").hasSizeLessThan(50);
      } else {
        assertThat(e).isEqualTo("m 1\n");
        got++;
      }
    }
    vertx.runOnContext(v -> s.stop());
    return failures;
  }

  /**
   * A raw HTTP server: answers each request with {@code head} and the page "m 1\n", then closes
   * the connection {@code closeAfterMillis} later (0: at once) when {@code close}.
   */
  private int rawServer(String head, boolean close, long closeAfterMillis, AtomicInteger connections) throws Exception {
    return vertx.createNetServer().connectHandler(socket -> {
      connections.incrementAndGet();
      StringBuilder seen = new StringBuilder();
      socket.handler(b -> {
        seen.append(b.toString(StandardCharsets.ISO_8859_1));
        while (seen.indexOf("\r\n\r\n") >= 0) {
          seen.delete(0, seen.indexOf("\r\n\r\n") + 4);
          socket.write(head + "Content-Length: 4\r\n\r\nm 1\n");
          if (close) {
            if (closeAfterMillis == 0) {
              socket.close();
            } else {
              vertx.setTimer(closeAfterMillis, id -> socket.close());
            }
          }
        }
      });
    }).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  @Test
  void connectionClose_isHonoured_everyScrapeOnANewConnection_noneFails() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    HttpServer server = vertx.createHttpServer()
        .connectionHandler(c -> connections.incrementAndGet())
        .requestHandler(req -> req.response().putHeader("Connection", "close").end("m 1\n"));
    int port = server.listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();

    assertThat(scrapeUntil(port, 300)).as("failed scrapes").isEmpty();
    assertThat(connections.get()).as("one connection per scrape").isGreaterThanOrEqualTo(300);
  }

  @Test
  void http10WithoutKeepAlive_closingLate_isNeverReused_noneFails() throws Exception {
    // The server closes a moment after the response: the client has the whole page while the
    // connection is still open, the race the attack run hit under CPU contention.
    AtomicInteger connections = new AtomicInteger();
    int port = rawServer("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n", true, 3, connections);

    assertThat(scrapeUntil(port, 300)).as("failed scrapes").isEmpty();
    assertThat(connections.get()).isGreaterThanOrEqualTo(300);
  }

  @Test
  void keptAliveConnection_closedByTheServerJustThen_isRetriedOnceOnANewOne() throws Exception {
    // HTTP/1.1 without Connection: close, but the server drops the connection a moment after
    // each answer (an idle timeout shorter than the scrape interval): a scrape sent on it finds
    // it closed and is sent again on a new connection, within the same scrape.
    AtomicInteger connections = new AtomicInteger();
    int port = rawServer("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n", true, 1, connections);

    assertThat(scrapeUntil(port, 300)).as("failed scrapes").isEmpty();
  }

  @Test
  void connectionHeaderTokens_andVersion_decideWhetherTheServerCloses() throws Exception {
    AtomicInteger connections = new AtomicInteger();
    int keepAlive10 = rawServer("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n", false, 0, connections);
    assertThat(scrapeUntil(keepAlive10, 50)).isEmpty();
    assertThat(connections.get()).as("HTTP/1.0 with keep-alive: one connection reused").isEqualTo(1);
  }

  @Test
  void backoff_doublesUpToTheCeiling() {
    ScrapeOptions opts = new ScrapeOptions(Duration.ofMillis(50), Duration.ofSeconds(1), 1000, Duration.ofMillis(400));
    assertThat(MetricsScraper.backoffMillis(opts, 1)).isBetween(40L, 60L);
    assertThat(MetricsScraper.backoffMillis(opts, 2)).isBetween(80L, 120L);
    assertThat(MetricsScraper.backoffMillis(opts, 3)).isBetween(160L, 240L);
    assertThat(MetricsScraper.backoffMillis(opts, 10)).isBetween(320L, 480L);
    assertThat(MetricsScraper.backoffMillis(opts, 1000)).isBetween(320L, 480L);
  }

  @Test
  void invalidOptions_nameTheField() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new ScrapeOptions(Duration.ZERO, Duration.ofSeconds(1), 10, Duration.ofSeconds(1)))
        .hasMessage("interval: PT0S (expected: > 0)");
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new ScrapeTarget("h", 70000, "/metrics"))
        .hasMessage("port: 70000 (expected: [1, 65535])");
  }
}
