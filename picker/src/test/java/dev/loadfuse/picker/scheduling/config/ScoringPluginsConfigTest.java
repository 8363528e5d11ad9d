package dev.loadfuse.picker.scheduling.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.plugins.filter.prefixaffinity.PrefixCacheAffinityFilter;
import dev.loadfuse.picker.plugins.scorer.ThresholdScorer;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.Plugin;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Loading the reference's token/load scorers, context-length, prefix-affinity and role filters: each
 * type's parameters, defaults per reference, and what stays refused.
 */
class ScoringPluginsConfigTest {

  private static final String GIE = "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n";
  private static final String ROUTER = "apiVersion: llm-d.ai/v1alpha1\nkind: EndpointPickerConfig\n";

  private final ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());

  private PickerConfig load(String text) {
    return loader.load(text, "t.yaml");
  }

  static Stream<Arguments> thresholds() {
    return Stream.of(
        Arguments.of(GIE, "{type: token-load-scorer}", 4_194_304.0, ""),
        Arguments.of(GIE, "{type: token-load-scorer, parameters: {queueThresholdTokens: 1000}}", 1000.0, ""),
        Arguments.of(ROUTER, "{type: token-load-scorer, parameters: {queueThresholdTokens: 0,"
            + " inFlightLoadProducerName: x}}", 4_194_304.0, "queueThresholdTokens: 0 is not positive"),
        Arguments.of(ROUTER, "{type: load-aware-scorer}", 128.0, ""),
        Arguments.of(ROUTER, "{type: load-aware-scorer, parameters: {threshold: 10}}", 10.0, ""),
        Arguments.of(ROUTER, "{type: load-aware-scorer, parameters: {threshold: -3}}", 128.0, "-3 is not positive"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("thresholds")
  void thresholdScorers(String head, String plugin, double threshold, String warning) {
    PickerConfig c = load(head + "plugins: [" + plugin + "]\n");
    ThresholdScorer s = (ThresholdScorer) c.profiles().getFirst().scorers().getFirst().scorer();
    assertThat(s.threshold()).isEqualTo(threshold);
    if (!warning.isEmpty()) {
      assertThat(c.warnings()).anyMatch(w -> w.contains(warning));
    } else {
      assertThat(c.warnings()).noneMatch(w -> w.contains("parameters"));
    }
  }

  @Test
  void prefixAffinityFilter_defaultsPerReference_andReadsTheScorersIndex() {
    String plugins = "plugins: [{type: prefix-cache-scorer}, {type: prefix-cache-affinity-filter}]\n";
    PrefixCacheAffinityFilter gie = (PrefixCacheAffinityFilter) load(GIE + plugins).plugin("prefix-cache-affinity-filter");
    assertThat(gie.settings()).isEqualTo(PrefixCacheAffinityFilter.Settings.GIE);
    assertThat(gie.hasIndex()).isTrue();
    PrefixCacheAffinityFilter router = (PrefixCacheAffinityFilter) load(ROUTER + plugins).plugin("prefix-cache-affinity-filter");
    assertThat(router.settings()).isEqualTo(PrefixCacheAffinityFilter.Settings.ROUTER);
    // the profile holds the wired instance
    assertThat(load(GIE + plugins).profiles().getFirst().filters().getFirst())
        .isInstanceOfSatisfying(PrefixCacheAffinityFilter.class, f -> assertThat(f.hasIndex()).isTrue());
  }

  @Test
  void prefixAffinityFilter_parameters() {
    PrefixCacheAffinityFilter f = (PrefixCacheAffinityFilter) load(ROUTER + """
        plugins:
        - type: prefix-cache-scorer
        - name: strict
          type: prefix-cache-affinity-filter
          parameters: {affinityThreshold: 0.99, explorationProbability: 0.05, maxTTFTPenaltyMs: 0,
                       ttftSource: latencyPredictor, prefixMatchInfoProducerName: p}
        """).plugin("strict");
    assertThat(f.settings()).isEqualTo(new PrefixCacheAffinityFilter.Settings(0.99, 0.05, 0, false, 15_928));
    // GIE has no ttftSource: an unknown key there, ignored with a warning
    PickerConfig gie = load(GIE + "plugins: [{type: prefix-cache-affinity-filter, parameters: {ttftSource: x}}]\n");
    assertThat(gie.warnings()).anyMatch(w -> w.contains("unknown key \"ttftSource\""))
        .anyMatch(w -> w.contains("no prefix-cache-scorer in plugins"));
    assertThat(((PrefixCacheAffinityFilter) gie.plugin("prefix-cache-affinity-filter")).hasIndex()).isFalse();
  }

  /** Format (GIE or ROUTER), the plugins list, what the message says; a role filter loads, the disaggregation around it does not. */
  private static final String REFUSED = """
      GIE    | {type: prefix-cache-affinity-filter, parameters: {affinityThreshold: 1.5}} | plugins[0].parameters.affinityThreshold: 1.5 (expected: [-
      ROUTER | {type: prefix-cache-affinity-filter, parameters: {ttftSource: fast}} | ttftSource: "fast" (expected: prefillThroughput or latencyPredictor)
      ROUTER | {type: prefix-cache-affinity-filter, parameters: {peakPrefillThroughput: 0}} | peakPrefillThroughput: 0
      ROUTER | {type: context-length-aware, parameters: {label: ""}} | label: empty
      ROUTER | {type: load-aware-scorer, parameters: {threshold: ten}} | plugins[0].parameters.threshold: "ten" (expected: an integer)
      ROUTER | {type: decode-filter}, {type: prefill-filter}, {type: pd-profile-handler} | loadfuse does not implement disaggregated serving
      ROUTER | {type: decode-filter}, {type: prefix-based-pd-decider} | loadfuse does not implement disaggregated serving
      ROUTER | {type: vllmgrpc-parser} | loadfuse reads HTTP/JSON (OpenAI API) bodies only
      """;

  static Stream<Arguments> refused() {
    return REFUSED.lines().map(l -> l.split(" \\| ", 3))
        .map(c -> Arguments.of(c[0].trim().equals("GIE") ? GIE : ROUTER, c[1], c[2]));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("refused")
  void refusedWithAClearMessage(String head, String plugins, String message) {
    assertThatThrownBy(() -> load(head + "plugins: [" + plugins + "]\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining(message);
  }

  @Test
  void contextLengthAndRoleFilters_joinTheProfileAsFiltersAndScorers() {
    PickerConfig c = load(ROUTER + """
        plugins:
        - type: decode-filter
        - {type: context-length-aware, parameters: {enableFiltering: true, label: ctx}}
        schedulingProfiles:
        - name: default
          plugins: [{pluginRef: decode-filter}, {pluginRef: context-length-aware, weight: 3}]
        """);
    var profile = c.profiles().getFirst();
    assertThat(profile.filters()).extracting(Filter::typedName).extracting(t -> t.type())
        .containsExactly("decode-filter", "context-length-aware");
    assertThat(profile.scorers()).hasSize(1);
    assertThat(profile.scorers().getFirst().weight()).isEqualTo(3);
    Plugin p = c.plugin("context-length-aware");
    assertThat(p.typedName().type()).isEqualTo("context-length-aware");
  }
}
