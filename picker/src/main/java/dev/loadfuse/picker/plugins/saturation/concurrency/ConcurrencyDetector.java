package dev.loadfuse.picker.plugins.saturation.concurrency;

import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.util.Locale;

/**
 * {@code concurrency-detector}: saturation from the picker's own accounting of what it sent to
 * each endpoint and has not seen finish, with no engine metrics at all (so it reacts within one
 * request, and scrape outages do not affect it).
 *
 * <ul>
 *   <li>{@code requests} mode: pool saturation = requests in flight / (endpoints × {@code
 *       maxConcurrency}).
 *   <li>{@code tokens} mode: estimated prompt tokens in flight / (endpoints × {@code
 *       maxTokenConcurrency}); a request's tokens are estimated from its body size.
 *   <li>{@code hybrid}: per endpoint the larger of its request and token ratios, averaged, so an
 *       endpoint full on either dimension shows.
 * </ul>
 *
 * <p>As a {@link Filter} it removes endpoints at their limit ({@code inFlight >= maxConcurrency ×
 * (1 + headroom)}) or that the request would take over it ({@code inFlightTokens + requestTokens >
 * maxTokenConcurrency × (1 + headroom)}; an endpoint with nothing in flight always fits). When
 * every candidate is over, it keeps them all ({@code failOpen: true}, the default) or none, which
 * fails the request with 429.
 */
public final class ConcurrencyDetector extends NamedPlugin implements SaturationDetector, Filter {

  public static final String TYPE = "concurrency-detector";
  public static final long DEFAULT_MAX_CONCURRENCY = 100;
  public static final long DEFAULT_MAX_TOKEN_CONCURRENCY = 1_000_000;

  /** What is counted. */
  public enum Mode {
    REQUESTS, TOKENS, HYBRID;

    String configName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static final String REASON_REQUESTS = "concurrency";
  static final String REASON_TOKENS = "token-concurrency";

  private final Mode mode;
  private final long maxConcurrency;
  private final long maxTokenConcurrency;
  private final double requestLimit;
  private final double tokenLimit;
  private final boolean failOpen;

  public ConcurrencyDetector(String name, Mode mode, long maxConcurrency, long maxTokenConcurrency, double headroom,
      boolean failOpen) {
    super(TYPE, name);
    this.mode = java.util.Objects.requireNonNull(mode, "mode");
    if (maxConcurrency < 1) {
      throw new IllegalArgumentException("maxConcurrency: " + maxConcurrency + " (expected: >= 1)");
    }
    if (maxTokenConcurrency < 1) {
      throw new IllegalArgumentException("maxTokenConcurrency: " + maxTokenConcurrency + " (expected: >= 1)");
    }
    if (!(headroom >= 0) || Double.isInfinite(headroom)) {
      throw new IllegalArgumentException("headroom: " + headroom + " (expected: >= 0)");
    }
    this.maxConcurrency = maxConcurrency;
    this.maxTokenConcurrency = maxTokenConcurrency;
    this.requestLimit = maxConcurrency * (1 + headroom);
    this.tokenLimit = maxTokenConcurrency * (1 + headroom);
    this.failOpen = failOpen;
  }

  public static ConcurrencyDetector create(String name, Parameters p) {
    String modeText = p.string("concurrencyMode", "requests");
    Mode mode = null;
    for (Mode m : Mode.values()) {
      if (m.configName().equals(modeText)) {
        mode = m;
      }
    }
    if (mode == null) {
      throw ConfigException.at(p.path("concurrencyMode"), "\"" + modeText + "\" (expected: requests, tokens or hybrid)");
    }
    int max = p.integer("maxConcurrency", (int) DEFAULT_MAX_CONCURRENCY, 1, Integer.MAX_VALUE);
    int maxTokens = p.integer("maxTokenConcurrency", (int) DEFAULT_MAX_TOKEN_CONCURRENCY, 1, Integer.MAX_VALUE);
    double headroom = p.number("headroom", 0, 0, false, Double.MAX_VALUE);
    boolean failOpen = p.bool("failOpen", true);
    return new ConcurrencyDetector(name, mode, max, maxTokens, headroom, failOpen);
  }

  public Mode mode() {
    return mode;
  }

  @Override
  public double saturation(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    if (count == 0) {
      return 1.0;
    }
    double requests = 0;
    double tokens = 0;
    double hybrid = 0;
    for (int i = 0; i < count; i++) {
      double r = candidates[i].inFlight() / (double) maxConcurrency;
      double t = candidates[i].inFlightTokens() / (double) maxTokenConcurrency;
      requests += r;
      tokens += t;
      hybrid += Math.max(r, t);
    }
    return switch (mode) {
      case REQUESTS -> requests / count;
      case TOKENS -> tokens / count;
      case HYBRID -> hybrid / count;
    };
  }

  @Override
  public int filter(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    long incoming = cycle.request().estimatedInputTokens();
    int kept = 0;
    for (int i = 0; i < count; i++) {
      if (fits(candidates[i], incoming) == null) {
        kept++;
      }
    }
    if (kept == count) {
      return count;
    }
    if (kept == 0) {
      if (failOpen) {
        cycle.events().keptAll(typedName(), count);
        return count;
      }
      countReasons(cycle, candidates, count, incoming);
      return 0;
    }
    countReasons(cycle, candidates, count, incoming);
    int n = 0;
    for (int i = 0; i < count; i++) {
      EndpointView e = candidates[i];
      if (fits(e, incoming) == null) {
        candidates[n++] = e;
      }
    }
    return n;
  }

  private void countReasons(SchedulingCycle cycle, EndpointView[] candidates, int count, long incoming) {
    int byRequests = 0;
    int byTokens = 0;
    for (int i = 0; i < count; i++) {
      String reason = fits(candidates[i], incoming);
      if (reason == REASON_REQUESTS) {
        byRequests++;
      } else if (reason == REASON_TOKENS) {
        byTokens++;
      }
    }
    if (byRequests > 0) {
      cycle.events().filtered(typedName(), REASON_REQUESTS, byRequests);
    }
    if (byTokens > 0) {
      cycle.events().filtered(typedName(), REASON_TOKENS, byTokens);
    }
  }

  /** Null when the request fits on {@code e}, else the reason it does not. */
  private String fits(EndpointView e, long incoming) {
    if (mode != Mode.TOKENS && e.inFlight() >= requestLimit) {
      return REASON_REQUESTS;
    }
    if (mode != Mode.REQUESTS) {
      long t = e.inFlightTokens();
      if (t > 0 && t + incoming > tokenLimit) {
        return REASON_TOKENS;
      }
    }
    return null;
  }
}
