package dev.loadfuse.picker.plugins.scorer.prefix;

import static dev.loadfuse.picker.testing.TestEndpoints.NOW;
import static dev.loadfuse.picker.testing.TestEndpoints.STALE_MS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.ProfileResult;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.scheduling.SchedulingResult;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.testing.TestEndpoints;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class PrefixCacheScorerTest {

  private static final String HEAD = "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n";

  private final EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(0, 0, 0));

  /** A prompt of {@code blocks} distinct 64-character blocks, starting with {@code seed}. */
  private static String prompt(String seed, int blocks) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; sb.length() < blocks * 64; i++) {
      sb.append(seed).append(' ').append(i).append(". ");
    }
    return sb.substring(0, blocks * 64);
  }

  private static SchedulingCycle cycle(String model, String salt, String prompt) {
    SchedulingRequest r = new SchedulingRequest("r", model, model, 0, null, Map.of(), prompt.length(), prompt, salt);
    return new SchedulingCycle(r, NOW, new SplittableRandom(1));
  }

  private double[] score(PrefixCacheScorer s, SchedulingCycle c) {
    double[] scores = new double[eps.length];
    s.score(c, eps, eps.length, scores);
    return scores;
  }

  /** Scores, then tells the scorer the request went to {@code to}. */
  private double[] route(PrefixCacheScorer s, String model, String salt, String prompt, EndpointView to) {
    SchedulingCycle c = cycle(model, salt, prompt);
    double[] scores = score(s, c);
    s.preRequest(c, SchedulingResult.of(new ProfileResult("default", List.of(to))));
    return scores;
  }

  private static PrefixCacheScorer scorer() {
    return new PrefixCacheScorer("prefix", 16, 256, 31_250, true);
  }

  @Test
  void samePrefix_scoresTheEndpointItWentTo_byMatchedBlocksOverPromptBlocks() {
    PrefixCacheScorer s = scorer();
    String p = prompt("system prompt", 8);
    assertThat(route(s, "m", "", p, eps[1])).containsExactly(0, 0, 0);
    assertThat(score(s, cycle("m", "", p))).containsExactly(0, 1, 0);
    // The first 4 of 8 blocks are shared, then the prompts differ.
    String half = p.substring(0, 4 * 64) + prompt("other question", 4);
    assertThat(score(s, cycle("m", "", half))).containsExactly(0, 0.5, 0);
    // A longer prompt with the same 8 leading blocks: 8 of 10.
    assertThat(score(s, cycle("m", "", p + prompt("follow-up", 2)))).containsExactly(0, 0.8, 0);
    // A trailing partial block is not hashed: 8 of 8.
    assertThat(score(s, cycle("m", "", p + "tail"))).containsExactly(0, 1, 0);
  }

  @Test
  void promptShorterThanABlock_scoresZero_andIsNotIndexed() {
    PrefixCacheScorer s = scorer();
    assertThat(route(s, "m", "", "short", eps[0])).containsExactly(0, 0, 0);
    assertThat(s.index().size()).isZero();
  }

  @Test
  void modelAndCacheSalt_separateTheHashSpaces() {
    PrefixCacheScorer s = scorer();
    String p = prompt("shared", 4);
    route(s, "llama", "", p, eps[0]);
    route(s, "llama", "tenant-a", p, eps[1]);
    assertThat(score(s, cycle("llama", "", p))).containsExactly(1, 0, 0);
    assertThat(score(s, cycle("llama", "tenant-a", p))).containsExactly(0, 1, 0);
    assertThat(score(s, cycle("llama", "tenant-b", p))).containsExactly(0, 0, 0);
    assertThat(score(s, cycle("mistral", "", p))).containsExactly(0, 0, 0);
  }

  @Test
  void maxPrefixBlocksToMatch_capsTheBlocksHashed() {
    PrefixCacheScorer s = new PrefixCacheScorer("p", 16, 2, 100, true);
    assertThat(s.promptChars()).isEqualTo(2 * 64);
    String p = prompt("a", 5);
    route(s, "m", "", p, eps[2]);
    assertThat(s.index().size()).isEqualTo(2);
    assertThat(score(s, cycle("m", "", p.substring(0, 128) + prompt("b", 3)))).containsExactly(0, 0, 1);
  }

  @Test
  void blockSizeTokens_setsTheBlockToFourCharactersPerToken() {
    PrefixCacheScorer s = new PrefixCacheScorer("p", 2, 256, 100, true); // 8-character blocks
    route(s, "m", "", "abcdefgh12345678", eps[0]);
    assertThat(s.index().size()).isEqualTo(2);
    assertThat(score(s, cycle("m", "", "abcdefghXXXXXXXX"))).containsExactly(0.5, 0, 0);
  }

  private static EndpointState withGpuBlocks(int i, long numGpuBlocks) {
    EndpointState e = new EndpointState(TestEndpoints.id(i), Map.of());
    e.update(new LoadVector(TestEndpoints.id(i), "vllm", 0, 0, 0, null, 16, numGpuBlocks, List.of(), NOW, List.of(), 0,
        true, false, null));
    return e;
  }

  @Test
  void autoTune_usesTheEnginesGpuBlockCount_asTheLruCapacity() {
    EndpointView tuned = TestEndpoints.views(withGpuBlocks(0, 3))[0];
    PrefixCacheScorer auto = new PrefixCacheScorer("p", 16, 256, 31_250, true);
    route(auto, "m", "", prompt("x", 5), tuned);
    assertThat(auto.index().capacity(tuned.hostPort())).isEqualTo(3);
    assertThat(auto.index().size(tuned.hostPort())).isEqualTo(3);
    // Unknown block count: the configured capacity.
    route(auto, "m", "", prompt("x", 5), eps[1]);
    assertThat(auto.index().capacity(eps[1].hostPort())).isEqualTo(31_250);

    PrefixCacheScorer fixed = new PrefixCacheScorer("p", 16, 256, 4, false);
    route(fixed, "m", "", prompt("x", 5), tuned);
    assertThat(fixed.index().capacity(tuned.hostPort())).isEqualTo(4);
    assertThat(fixed.index().size(tuned.hostPort())).isEqualTo(4);
  }

  @Test
  void pickListener_hearsEachLearnedPick_andRemotePicksAreLearned() {
    PrefixCacheScorer s = scorer();
    List<String> heard = new ArrayList<>();
    s.pickListener((scorer, hostPort, hashes) -> heard.add(hostPort + ":" + hashes.length));
    route(s, "m", "", prompt("x", 3), eps[0]);
    assertThat(heard).containsExactly(eps[0].hostPort() + ":3");

    PrefixCacheScorer other = scorer();
    other.recordRemotePick(eps[2].hostPort(), -1, BlockHasher.hashes("m", "", prompt("x", 3), 64, 256));
    assertThat(score(other, cycle("m", "", prompt("x", 3)))).containsExactly(0, 0, 1);
  }

  @Test
  void hitRatio_isTheBestMatchOverThePromptsBlocks() {
    PrefixCacheScorer s = scorer();
    List<Double> ratios = new ArrayList<>();
    s.hitRatioRecorder(ratios::add);
    String p = prompt("x", 4);
    route(s, "m", "", p, eps[0]);
    route(s, "m", "", p.substring(0, 64) + prompt("y", 3), eps[1]);
    assertThat(ratios).containsExactly(0.0, 0.25);
  }

  @Test
  void config_defaults_andParameters() {
    ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());
    PickerConfig c = loader.load(HEAD + """
        plugins:
        - type: prefix-cache-scorer
        - {name: tuned, type: prefix-cache-scorer, parameters: {blockSizeTokens: 32, maxPrefixBlocksToMatch: 64, lruCapacityPerServer: 1000, autoTune: false}}
        """, "t.yaml");
    PrefixCacheScorer d = (PrefixCacheScorer) c.plugins().get(0);
    assertThat(List.of(d.blockSizeTokens(), d.maxPrefixBlocksToMatch(), d.lruCapacityPerServer()))
        .containsExactly(16, 256, 31_250);
    assertThat(d.autoTune()).isTrue();
    PrefixCacheScorer t = (PrefixCacheScorer) c.plugins().get(1);
    assertThat(List.of(t.blockSizeTokens(), t.maxPrefixBlocksToMatch(), t.lruCapacityPerServer()))
        .containsExactly(32, 64, 1000);
    assertThat(t.autoTune()).isFalse();
    assertThat(c.scheduler(dev.loadfuse.picker.scheduling.SchedulerObserver.NONE).promptChars()).isEqualTo(256 * 64);
  }

  static Stream<Arguments> badParameters() {
    String at = "plugins[0].parameters.";
    return Stream.of(
        Arguments.of("{blockSizeTokens: 0}", at + "blockSizeTokens: 0 (expected: [1, 4096])"),
        Arguments.of("{blockSizeTokens: 5000}", at + "blockSizeTokens: 5000 (expected: [1, 4096])"),
        Arguments.of("{blockSizeTokens: \"16\"}", at + "blockSizeTokens: \"16\" (expected: an integer)"),
        Arguments.of("{maxPrefixBlocksToMatch: -1}", at + "maxPrefixBlocksToMatch: -1 (expected: [1, 65536])"),
        Arguments.of("{lruCapacityPerServer: 0}", at + "lruCapacityPerServer: 0 (expected: >= 1)"),
        Arguments.of("{autoTune: yes please}", at + "autoTune: \"yes please\" (expected: true or false)"),
        Arguments.of("{blockSize: 0}", at + "blockSize: 0 (expected: [1, 4096])"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badParameters")
  void badParameters_nameThePath(String parameters, String message) {
    ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());
    assertThatThrownBy(() -> loader.load(HEAD + "plugins:\n- type: prefix-cache-scorer\n  parameters: " + parameters + "\n",
        "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(message);
  }
}
