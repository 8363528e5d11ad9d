package dev.loadfuse.sidecar.scrape;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.sidecar.tick.Ticker;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpServerRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Scrapers on a ticker that the test fires itself, on a fake clock, against a real local server:
 * when scrapes start, that they never overlap, back off, time out, and how phases are shared.
 */
class ScrapeSchedulerTest {

  private static final long MS = 1_000_000;
  private static final Duration INTERVAL = Duration.ofMillis(50);

  private Vertx vertx;
  private Context ctx;
  private HttpClientAgent client;
  private final AtomicLong clock = new AtomicLong(1_000_000 * MS);
  private Ticker ticker;
  private ScrapeScheduler scheduler;
  private final ScrapeEvents events = new ScrapeEvents();

  @BeforeEach
  void setUp() {
    vertx = Vertx.vertx();
    ctx = vertx.getOrCreateContext();
    client = MetricsScraper.createClient(vertx, Duration.ofSeconds(5));
    ticker = new Ticker(vertx, ScrapeScheduler.resolutionFor(INTERVAL), clock::get, true);
    scheduler = new ScrapeScheduler(ticker, client);
  }

  @AfterEach
  void tearDown() throws Exception {
    on(() -> {
      scheduler.close();
      return null;
    });
    client.close();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  private <T> T on(Callable<T> action) throws Exception {
    CompletableFuture<T> done = new CompletableFuture<>();
    ctx.runOnContext(v -> {
      try {
        done.complete(action.call());
      } catch (Throwable t) {
        done.completeExceptionally(t);
      }
    });
    return done.get(10, TimeUnit.SECONDS);
  }

  private void fireAt(long t) throws Exception {
    clock.set(t);
    on(() -> {
      ticker.fire();
      return null;
    });
  }

  private int serve(Consumer<HttpServerRequest> handler) throws Exception {
    return vertx.createHttpServer().requestHandler(handler::accept)
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS).actualPort();
  }

  private MetricsScraper started(int port, ScrapeOptions options) throws Exception {
    MetricsScraper s = scheduler.scraper(new ScrapeTarget("127.0.0.1", port, "/metrics"), options, events);
    on(() -> {
      s.start();
      return null;
    });
    return s;
  }

  private Object next() throws InterruptedException {
    return events.next();
  }

  private long dueIn(MetricsScraper s) throws Exception {
    return on(s::due) - clock.get();
  }

  @Test
  void theFirstScrapeIsDueWithinOneInterval_andNothingStartsBeforeItIsDue() throws Exception {
    AtomicInteger received = new AtomicInteger();
    int port = serve(req -> {
      received.incrementAndGet();
      req.response().end("m 1\n");
    });
    MetricsScraper s = started(port, ScrapeOptions.DEFAULTS.withInterval(INTERVAL));
    long due = on(s::due);
    assertThat(due - clock.get()).isBetween(-MS, 50 * MS);
    fireAt(due - 5 * MS);
    assertThat(on(s::inFlight)).isFalse();
    assertThat(received.get()).isZero();
    fireAt(due);
    assertThat(next()).isEqualTo("m 1\n");
    assertThat(received.get()).isEqualTo(1);
    // The next one is due one interval after this one was.
    assertThat(on(s::due)).isEqualTo(due + 50 * MS);
  }

  @Test
  void neverTwoScrapesOfOneEndpointAtOnce_whateverTheTicks() throws Exception {
    AtomicInteger inFlight = new AtomicInteger();
    AtomicInteger maxInFlight = new AtomicInteger();
    BlockingQueue<HttpServerRequest> held = new LinkedBlockingQueue<>();
    int port = serve(req -> {
      maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
      held.add(req);
    });
    MetricsScraper s = started(port, ScrapeOptions.DEFAULTS.withInterval(INTERVAL).withTimeout(Duration.ofSeconds(10)));
    for (int round = 0; round < 3; round++) {
      long due = on(s::due);
      fireAt(due);
      HttpServerRequest req = held.poll(10, TimeUnit.SECONDS);
      assertThat(req).as("request " + round).isNotNull();
      // Many intervals pass while the server sits on the request: no second scrape starts.
      for (int k = 1; k <= 5; k++) {
        fireAt(due + k * 50 * MS);
        assertThat(on(s::inFlight)).isTrue();
      }
      inFlight.decrementAndGet();
      req.response().end("m " + round + "\n");
      assertThat(next()).isEqualTo("m " + round + "\n");
    }
    assertThat(maxInFlight.get()).isEqualTo(1);
    assertThat(held).isEmpty();
  }

  @Test
  void backsOffWhileFailing_andReturnsToTheIntervalOnSuccess() throws Exception {
    AtomicInteger status = new AtomicInteger(503);
    int port = serve(req -> req.response().setStatusCode(status.get()).end("m 1\n"));
    ScrapeOptions opts = new ScrapeOptions(INTERVAL, Duration.ofSeconds(10), 1000, Duration.ofMillis(400));
    MetricsScraper s = started(port, opts);
    long[] base = {50, 100, 200, 400, 400};
    for (int n = 0; n < base.length; n++) {
      fireAt(on(s::due));
      events.nextFailure(ScrapeFailure.Reason.HTTP_STATUS);
      // Jitter ±20 %, rounded up to the ticker's 10 ms grid.
      assertThat(dueIn(s)).as("delay after failure " + (n + 1))
          .isBetween(base[n] * 8 / 10 * MS - MS, base[n] * 12 / 10 * MS + 10 * MS);
    }
    status.set(200);
    fireAt(on(s::due));
    assertThat(next()).isEqualTo("m 1\n");
    assertThat(dueIn(s)).isBetween(-MS, 50 * MS);
    assertThat(s.status().healthy()).isTrue();
  }

  @Test
  void aScrapeTimesOutOnTheFirstWakeUpAfterItsDeadline() throws Exception {
    int port = serve(req -> { /* never answers */ });
    MetricsScraper s = started(port, ScrapeOptions.DEFAULTS.withInterval(INTERVAL).withTimeout(Duration.ofMillis(200)));
    long due = on(s::due);
    fireAt(due);
    assertThat(on(s::inFlight)).isTrue();
    long deadline = on(s::due);
    assertThat(deadline).isEqualTo(ticker.gridCeil(due + 200 * MS));
    fireAt(deadline - 5 * MS);
    assertThat(on(s::inFlight)).isTrue();
    fireAt(deadline);
    ScrapeFailure f = events.nextFailure(ScrapeFailure.Reason.TIMEOUT);
    assertThat(f.message()).isEqualTo("timeout after 200 ms scraping http://127.0.0.1:" + port + "/metrics");
    assertThat(on(s::inFlight)).isFalse();
    assertThat(s.status().consecutiveFailures()).isEqualTo(1);
  }

  @Test
  void upToEightEndpointsShareOnePhaseSlot_moreGoIntoAnother() throws Exception {
    List<MetricsScraper> all = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      all.add(started(1000 + i, ScrapeOptions.DEFAULTS.withInterval(INTERVAL)));
    }
    Map<Long, Integer> perSlot = new HashMap<>();
    for (MetricsScraper s : all) {
      long slot = ticker.phaseOf(on(s::due), 50 * MS) / (10 * MS);
      perSlot.merge(slot, 1, Integer::sum);
    }
    assertThat(perSlot.values()).containsExactlyInAnyOrder(8, 1);
  }

  @Test
  void choose_fillsTheFullestSlotWithRoom_elseTheLeastUsed() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    assertThat(ScrapeScheduler.choose(new int[] {0, 3, 0, 8, 5}, r)).isEqualTo(4);
    assertThat(ScrapeScheduler.choose(new int[] {8, 8, 7, 8, 8}, r)).isEqualTo(2);
    assertThat(ScrapeScheduler.choose(new int[] {8, 9, 8, 8, 8}, r)).isIn(0, 2, 3, 4);
    for (int k = 0; k < 50; k++) {
      assertThat(ScrapeScheduler.choose(new int[] {0, 0, 0, 0, 0}, r)).isBetween(0, 4);
      assertThat(ScrapeScheduler.choose(new int[] {0, 2, 0, 2, 0}, r)).isIn(1, 3);
    }
  }
}
