package dev.loadfuse.picker.plugins.filter.prefixaffinity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.plugins.filter.prefixaffinity.PrefixCacheAffinityFilter.Settings;
import dev.loadfuse.picker.plugins.scorer.prefix.PrefixCacheScorer;
import dev.loadfuse.picker.scheduling.ProfileResult;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrefixCacheAffinityFilterTest {

  // Blocks of 1 token = 4 characters: PROMPT has 4 blocks.
  private static final String PROMPT = "aaaabbbbccccdddd";
  private static final Settings GIE = Settings.GIE;
  private static final Settings NO_EXPLORATION = new Settings(0.80, 0, 5000, false, 0);
  private static final Settings ROUTER = Settings.ROUTER;

  private static SchedulingCycle cycleFor(String prompt) {
    SchedulingRequest r = new SchedulingRequest("r", "m", "m", 0, null, Map.of(), prompt.length(), prompt, "");
    return new SchedulingCycle(r, TestEndpoints.NOW, new SplittableRandom(7));
  }

  /** The scorer's index learns that {@code prompt} went to {@code target}, as after a real pick. */
  private static void learn(PrefixCacheScorer scorer, String prompt, EndpointView target) {
    SchedulingCycle c = cycleFor(prompt);
    scorer.score(c, new EndpointView[] {target}, 1, new double[1]);
    scorer.preRequest(c, SchedulingResult.of(new ProfileResult("default", List.of(target))));
  }

  /**
   * Endpoint 0 holds all 4 blocks of PROMPT (share 1), endpoint 1 the first 3 (0.75), endpoint 2
   * none; {@code tokens[i]} estimated tokens are in flight on endpoint i.
   */
  private static EndpointView[] pool(PrefixCacheScorer scorer, long... tokens) {
    EndpointState[] states = new EndpointState[3];
    for (int i = 0; i < 3; i++) {
      states[i] = TestEndpoints.endpoint(i, 0, 0, 0);
      if (tokens.length > i && tokens[i] > 0) {
        states[i].acquire(tokens[i]);
      }
    }
    EndpointView[] eps = TestEndpoints.views(states);
    learn(scorer, PROMPT, eps[0]);
    learn(scorer, PROMPT.substring(0, 12), eps[1]);
    return eps;
  }

  static Stream<Arguments> table() {
    return Stream.of(
        // the reference's cases (GIE v1.5 and router v0.10 plugin_test)
        Arguments.of("reference: narrows to the sticky", NO_EXPLORATION, PROMPT, new long[0], new int[] {0}),
        Arguments.of("reference: lower threshold keeps both sticky", new Settings(0.7, 0, 5000, false, 0), PROMPT,
            new long[0], new int[] {0, 1}),
        Arguments.of("reference: none sticky keeps all", NO_EXPLORATION, "zzzzyyyyxxxxwwww", new long[0],
            new int[] {0, 1, 2}),
        Arguments.of("reference: threshold 0 keeps all", new Settings(0, 0, 5000, false, 0), PROMPT, new long[0],
            new int[] {0, 1, 2}),
        Arguments.of("reference: exploration always keeps all", new Settings(0.8, 1, 5000, false, 0), PROMPT,
            new long[0], new int[] {0, 1, 2}),
        Arguments.of("reference: prefill-throughput gate breaks", ROUTER.withPenalty(1000), PROMPT,
            new long[] {20_000, 0, 0}, new int[] {0, 1, 2}),
        Arguments.of("reference: prefill-throughput gate holds", ROUTER, PROMPT, new long[] {20_000, 0, 0},
            new int[] {0}),
        Arguments.of("reference: penalty 0 always sticks", ROUTER.withPenalty(0), PROMPT,
            new long[] {1_000_000, 0, 0}, new int[] {0}),
        Arguments.of("no predictions (latencyPredictor): the gate never breaks", NO_EXPLORATION, PROMPT,
            new long[] {1_000_000, 0, 0}, new int[] {0}),
        Arguments.of("prompt shorter than a block keeps all", NO_EXPLORATION, "abc", new long[0], new int[] {0, 1, 2}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void filters(String name, Settings settings, String prompt, long[] tokens, int[] kept) {
    PrefixCacheScorer scorer = new PrefixCacheScorer("p", 1, 256, 1000, false);
    EndpointView[] eps = pool(scorer, tokens);
    EndpointView[] all = eps.clone();
    int n = new PrefixCacheAffinityFilter("f", settings, scorer).filter(cycleFor(prompt), eps, eps.length);
    assertThat(Arrays.copyOf(eps, n)).containsExactly(Arrays.stream(kept).mapToObj(i -> all[i]).toArray(EndpointView[]::new));
  }

  @Test
  void withoutAnIndexOrWithOneCandidate_keepsAll() {
    PrefixCacheScorer scorer = new PrefixCacheScorer("p", 1, 256, 1000, false);
    EndpointView[] eps = pool(scorer);
    assertThat(new PrefixCacheAffinityFilter("f", NO_EXPLORATION, null).filter(cycleFor(PROMPT), eps, 3)).isEqualTo(3);
    EndpointView[] other = {eps[2]};
    assertThat(new PrefixCacheAffinityFilter("f", NO_EXPLORATION, scorer).filter(cycleFor(PROMPT), other, 1)).isEqualTo(1);
  }

  @Test
  void explorationDrawsFromTheCycle() {
    PrefixCacheScorer scorer = new PrefixCacheScorer("p", 1, 256, 1000, false);
    EndpointView[] eps = pool(scorer);
    PrefixCacheAffinityFilter f = new PrefixCacheAffinityFilter("f", GIE, scorer);
    int keptAll = 0;
    for (int seed = 0; seed < 1000; seed++) {
      EndpointView[] copy = eps.clone();
      SchedulingCycle c = new SchedulingCycle(cycleFor(PROMPT).request(), TestEndpoints.NOW, new SplittableRandom(seed));
      keptAll += f.filter(c, copy, 3) == 3 ? 1 : 0;
    }
    // 1 % of draws explore: about 10 of 1000, never most of them
    assertThat(keptAll).isBetween(1, 40);
  }

  @Test
  void invalidSettingsAreRefusedWithTheirName() {
    assertThatThrownBy(() -> new Settings(1.5, 0, 0, false, 0)).hasMessageContaining("affinityThreshold: 1.5");
    assertThatThrownBy(() -> new Settings(0.8, 2, 0, false, 0)).hasMessageContaining("explorationProbability: 2.0");
    assertThatThrownBy(() -> new Settings(0.8, 0, -1, false, 0)).hasMessageContaining("maxTTFTPenaltyMs: -1.0");
    assertThatThrownBy(() -> new Settings(0.8, 0, 100, true, 0)).hasMessageContaining("peakPrefillThroughput: 0");
  }
}
