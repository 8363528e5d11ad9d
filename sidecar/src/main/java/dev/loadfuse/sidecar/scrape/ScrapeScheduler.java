package dev.loadfuse.sidecar.scrape;

import dev.loadfuse.sidecar.tick.Ticker;
import io.vertx.core.http.HttpClientAgent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs the {@link MetricsScraper}s of a sidecar on one {@link Ticker}: scrapes start on the
 * ticker's wake-ups, and every scraper in flight has its deadline checked there, so there is no
 * timer per endpoint and no timeout timer per request.
 *
 * <p><b>Phases.</b> The scrape interval is divided into slots of the ticker's resolution (a
 * {@linkplain #resolutionFor fifth} of the interval by default). A scraper that starts, or that
 * recovers after failures, joins a slot at random among the used slots that hold fewer than
 * {@link #MAX_PER_SLOT} scrapers with the same interval, preferring the fullest; when none has
 * room, a random slot among the least used. Each scrape is then due one interval after the
 * previous one was due. So up to eight endpoints share one wake-up per interval, and more are
 * spread over further slots: waking the event loop once per interval instead of once per
 * endpoint saves about a quarter of the sidecar's CPU (README, "Sidecar footprint"), while a
 * burst stays short (eight ~100 KB pages take ~2-4 ms to read and parse).
 *
 * <p>Threading: one Vert.x context (the ticker's); create scrapers and call their {@code
 * start}/{@code stop} there.
 */
public final class ScrapeScheduler {

  /** Most scrapers sharing one slot before another slot is used. */
  static final int MAX_PER_SLOT = 8;

  /** Ticker resolution for scrapes every {@code interval}: a fifth of it, within [1 ms, 1 s]. */
  public static Duration resolutionFor(Duration interval) {
    long ms = interval.toMillis() / 5;
    return Duration.ofMillis(Math.max(1, Math.min(1000, ms)));
  }

  private final Ticker ticker;
  private final HttpClientAgent client;
  private final List<MetricsScraper> scrapers = new ArrayList<>();

  /**
   * @param client the HTTP client for the scrapes (see {@link MetricsScraper#createClient})
   */
  public ScrapeScheduler(Ticker ticker, HttpClientAgent client) {
    this.ticker = ticker;
    this.client = client;
  }

  /** A scraper on this scheduler; it scrapes once {@linkplain MetricsScraper#start started}. */
  public MetricsScraper scraper(ScrapeTarget target, ScrapeOptions options, ScrapeListener listener) {
    return new MetricsScraper(this, target, options, listener);
  }

  /** Stops every scraper. */
  public void close() {
    for (MetricsScraper s : List.copyOf(scrapers)) { // stop() unregisters
      s.stop();
    }
  }

  Ticker ticker() {
    return ticker;
  }

  HttpClientAgent client() {
    return client;
  }

  void register(MetricsScraper s) {
    scrapers.add(s);
    ticker.add(s);
  }

  void unregister(MetricsScraper s) {
    scrapers.remove(s);
    ticker.remove(s);
  }

  /**
   * When the next scrape of {@code s} is due, placing it in a slot (see the class comment): a
   * grid point within one interval from {@code now}.
   */
  long place(MetricsScraper s, long now) {
    long interval = s.intervalNanos();
    long resolution = ticker.resolutionNanos();
    int slots = (int) Math.max(1, Math.min(4096, interval / resolution));
    int[] used = new int[slots];
    for (MetricsScraper o : scrapers) {
      if (o != s && o.inPhase() && o.intervalNanos() == interval) {
        used[(int) Math.min(slots - 1, ticker.phaseOf(o.phaseNanos(), interval) / resolution)]++;
      }
    }
    int chosen = choose(used, ThreadLocalRandom.current());
    long position = ticker.phaseOf(now, interval);
    long delay = Math.floorMod(chosen * resolution - position, interval);
    return ticker.gridCeil(now + delay);
  }

  /** The slot to join, given how many scrapers each one holds. */
  static int choose(int[] used, ThreadLocalRandom random) {
    // The fullest slot that still has room, else the least used; ties at random.
    int best = -1;
    int ties = 0;
    for (int i = 0; i < used.length; i++) {
      int u = used[i];
      if (u == 0 || u >= MAX_PER_SLOT) {
        continue;
      }
      if (best < 0 || u > used[best]) {
        best = i;
        ties = 1;
      } else if (u == used[best] && random.nextInt(++ties) == 0) {
        best = i;
      }
    }
    if (best >= 0) {
      return best;
    }
    for (int i = 0; i < used.length; i++) {
      if (best < 0 || used[i] < used[best]) {
        best = i;
        ties = 1;
      } else if (used[i] == used[best] && random.nextInt(++ties) == 0) {
        best = i;
      }
    }
    return best;
  }
}
