package dev.loadfuse.picker.plugins.filter.prefixaffinity;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.plugins.scorer.prefix.PrefixCacheScorer;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.PromptReader;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.config.ConfigFlavor;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * {@code prefix-cache-affinity-filter} (GIE v1.5, llm-d router v0.10): narrows the candidates to the
 * "sticky" ones, whose share of the prompt's leading blocks in the prefix index is at least {@code
 * affinityThreshold}, so that similar prompts stay where their prefix is cached while a picker after
 * it spreads them over that set.
 *
 * <p>It keeps every candidate when: there is at most one, {@code affinityThreshold <= 0}, a draw
 * below {@code explorationProbability} (exploration), none is sticky, or the TTFT load gate breaks:
 * the best sticky candidate's estimated TTFT exceeds the best other's by more than {@code
 * maxTTFTPenaltyMs}. The TTFT estimate is the router's {@code prefillThroughput} one (in-flight
 * tokens / {@code peakPrefillThroughput} tokens per second); with {@code latencyPredictor} (GIE's
 * only source) there are no predictions in loadfuse, so, as in the reference without them, the gate
 * never breaks.
 *
 * <p>The match shares come from the config's {@code prefix-cache-scorer} (its index), handed over
 * when the config is loaded ({@link #withIndexOf}); without one, nothing is sticky.
 */
public final class PrefixCacheAffinityFilter extends NamedPlugin implements Filter, PromptReader {

  public static final String TYPE = "prefix-cache-affinity-filter";

  /**
   * The settings. {@code peakPrefillThroughput} is in tokens per second and used only when {@code
   * prefillThroughputGate} is true.
   */
  public record Settings(double affinityThreshold, double explorationProbability, double maxTtftPenaltyMs,
      boolean prefillThroughputGate, double peakPrefillThroughput) {

    /** GIE v1.5's defaults (its gate needs the latency predictor). */
    public static final Settings GIE = new Settings(0.80, 0.01, 5000, false, 0);
    /** The llm-d router v0.10's defaults. */
    public static final Settings ROUTER = new Settings(0.80, 0, 18_000, true, 15_928);

    public Settings {
      if (!(affinityThreshold <= 1)) {
        throw new IllegalArgumentException("affinityThreshold: " + affinityThreshold + " (expected: <= 1)");
      }
      if (!(explorationProbability >= 0 && explorationProbability <= 1)) {
        throw new IllegalArgumentException("explorationProbability: " + explorationProbability + " (expected: [0, 1])");
      }
      if (!(maxTtftPenaltyMs >= 0)) {
        throw new IllegalArgumentException("maxTTFTPenaltyMs: " + maxTtftPenaltyMs + " (expected: >= 0)");
      }
      if (!(peakPrefillThroughput >= 0)) {
        throw new IllegalArgumentException("peakPrefillThroughput: " + peakPrefillThroughput + " (expected: >= 0)");
      }
      if (prefillThroughputGate && maxTtftPenaltyMs > 0 && peakPrefillThroughput == 0) {
        throw new IllegalArgumentException("peakPrefillThroughput: 0 (expected: > 0 when ttftSource is"
            + " prefillThroughput and maxTTFTPenaltyMs > 0)");
      }
    }

    /** These settings with another {@code maxTTFTPenaltyMs}. */
    public Settings withPenalty(double maxTtftPenaltyMs) {
      return new Settings(affinityThreshold, explorationProbability, maxTtftPenaltyMs, prefillThroughputGate,
          peakPrefillThroughput);
    }
  }

  private final Settings settings;
  private final PrefixCacheScorer index;

  public PrefixCacheAffinityFilter(String name, Settings settings, PrefixCacheScorer index) {
    super(TYPE, name);
    this.settings = java.util.Objects.requireNonNull(settings, "settings");
    this.index = index;
  }

  /** Reads the parameters with the defaults of the reference the config is written for. */
  public static PrefixCacheAffinityFilter create(String name, Parameters p) {
    boolean router = p.flavor() == ConfigFlavor.ROUTER;
    Settings d = router ? Settings.ROUTER : Settings.GIE;
    double threshold = p.number("affinityThreshold", d.affinityThreshold(), -Double.MAX_VALUE, false, 1);
    double exploration = p.number("explorationProbability", d.explorationProbability(), 0, false, 1);
    double penalty = p.number("maxTTFTPenaltyMs", d.maxTtftPenaltyMs(), 0, false, Double.MAX_VALUE);
    boolean gate = d.prefillThroughputGate();
    double peak = d.peakPrefillThroughput();
    if (router) {
      String source = p.string("ttftSource", "prefillThroughput");
      if (!source.equals("prefillThroughput") && !source.equals("latencyPredictor")) {
        throw new IllegalArgumentException("ttftSource: \"" + source
            + "\" (expected: prefillThroughput or latencyPredictor)");
      }
      gate = source.equals("prefillThroughput");
      peak = p.number("peakPrefillThroughput", peak, 0, false, Double.MAX_VALUE);
      // The router's choice among several producers; loadfuse has one of each.
      for (String key : new String[] {"prefixMatchInfoProducerName", "latencyPredictionInfoProducerName",
          "inFlightLoadProducerName"}) {
        p.string(key, "");
      }
    }
    return new PrefixCacheAffinityFilter(name, new Settings(threshold, exploration, penalty, gate, peak), null);
  }

  /** This filter reading {@code scorer}'s prefix index. */
  public PrefixCacheAffinityFilter withIndexOf(PrefixCacheScorer scorer) {
    return new PrefixCacheAffinityFilter(typedName().name(), settings, scorer);
  }

  /** True when a prefix index was handed over. */
  public boolean hasIndex() {
    return index != null;
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public int promptChars() {
    return index == null ? 0 : index.promptChars();
  }

  @Override
  public int filter(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    if (count <= 1 || settings.affinityThreshold() <= 0 || index == null) {
      return count;
    }
    if (settings.explorationProbability() > 0 && cycle.random().nextDouble() < settings.explorationProbability()) {
      return count;
    }
    int[] matched = new int[count];
    int blocks = index.matchedBlocks(cycle, candidates, count, matched);
    if (blocks == 0) {
      return count;
    }
    boolean gate = settings.prefillThroughputGate() && settings.maxTtftPenaltyMs() > 0;
    double bestSticky = Double.MAX_VALUE;
    double bestOther = Double.MAX_VALUE;
    int sticky = 0;
    for (int i = 0; i < count; i++) {
      double ttft = gate ? candidates[i].inFlightTokens() / settings.peakPrefillThroughput() * 1000 : 0;
      if ((double) matched[i] / blocks >= settings.affinityThreshold()) {
        sticky++;
        bestSticky = Math.min(bestSticky, ttft);
      } else {
        bestOther = Math.min(bestOther, ttft);
      }
    }
    if (sticky == 0 || (gate && sticky < count && bestSticky - bestOther > settings.maxTtftPenaltyMs())) {
      return count;
    }
    int kept = 0;
    for (int i = 0; i < count; i++) {
      if ((double) matched[i] / blocks >= settings.affinityThreshold()) {
        candidates[kept++] = candidates[i];
      }
    }
    return kept;
  }
}
