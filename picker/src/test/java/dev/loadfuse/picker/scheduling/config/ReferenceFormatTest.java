package dev.loadfuse.picker.scheduling.config;

import dev.loadfuse.picker.flowcontrol.FlowControlSettings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.plugins.datalayer.source.MetricsDataSource;
import dev.loadfuse.picker.plugins.picker.maxscore.MaxScorePicker;
import dev.loadfuse.picker.plugins.scorer.prefix.PrefixCacheScorer;
import dev.loadfuse.picker.scheduling.ProfileSpec;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The sections and the leniency of the two reference formats (GIE v1.5, llm-d router v0.10). */
class ReferenceFormatTest {

  private static final String GIE = """
      apiVersion: inference.networking.x-k8s.io/v1alpha1
      kind: EndpointPickerConfig
      """;
  private static final String ROUTER = """
      apiVersion: llm-d.ai/v1alpha1
      kind: EndpointPickerConfig
      """;

  private final ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());

  private PickerConfig load(String text) {
    return loader.load(text, "t.yaml");
  }

  @Test
  void emptyText_isTheBuiltInDefault_withTheDefaultDataLayerAndParser() {
    PickerConfig c = load("");
    assertThat(c.flavor()).isEqualTo(ConfigFlavor.GIE);
    assertThat(c.profiles().getFirst().scorers()).extracting(s -> s.scorer().typedName().type() + "=" + s.weight())
        .containsExactly("queue-scorer=2.0", "kv-cache-utilization-scorer=2.0", "prefix-cache-scorer=3.0");
    assertThat(c.metricsSource()).isNotNull();
    assertThat(c.dataLayer().sources()).hasSize(1);
    assertThat(c.dataLayer().sources().getFirst().extractors()).extracting(e -> e.typedName().type())
        .containsExactly("core-metrics-extractor");
    assertThat(c.parsers()).extracting(p -> p.typedName().type()).containsExactly("openai-parser");
    assertThat(c.parsesBody()).isTrue();
    assertThat(c.warnings()).isEmpty();
  }

  @Test
  void unknownParameterKeys_areWarnings_namingTheirPath() {
    PickerConfig c = load(GIE + """
        plugins:
        - {type: queue-scorer, parameters: {threshold: 3}}
        - {type: max-score-picker, parameters: {maxEndpoints: 2, maxNumOfEndpoints: 2}}
        """);
    assertThat(c.warnings()).containsExactly(
        "plugins[0].parameters: unknown key \"threshold\" (known: none); ignored",
        "plugins[1].parameters: unknown key \"maxEndpoints\" (known: maxNumOfEndpoints); ignored");
    assertThat(((MaxScorePicker) c.profiles().getFirst().picker()).maxNumOfEndpoints()).isEqualTo(2);
  }

  @Test
  void maxNumOfEndpointsOfZeroOrLess_meansOne() {
    PickerConfig c = load(GIE + "plugins: [{type: max-score-picker, parameters: {maxNumOfEndpoints: -3}}]\n");
    assertThat(((MaxScorePicker) c.profiles().getFirst().picker()).maxNumOfEndpoints()).isEqualTo(1);
    assertThat(c.warnings()).containsExactly("plugins[0].parameters.maxNumOfEndpoints: -3 means 1");
  }

  @Test
  void deprecatedPrefixParameters_areRead() {
    PrefixCacheScorer s = (PrefixCacheScorer) load(GIE + """
        plugins: [{type: prefix-cache-scorer, parameters: {blockSize: 32, maxPrefixTokensToMatch: 3200}}]
        """).plugins().getFirst();
    assertThat(s.blockSizeTokens()).isEqualTo(32);
    assertThat(s.maxPrefixBlocksToMatch()).isEqualTo(100);
  }

  @Test
  void declaredApproxProducer_configuresThePrefixIndex() {
    PickerConfig c = load(GIE + """
        plugins:
        - {type: prefix-cache-scorer}
        - {type: approx-prefix-cache-producer, parameters: {blockSizeTokens: 64, lruCapacityPerServer: 500}}
        """);
    PrefixCacheScorer s = (PrefixCacheScorer) c.profiles().getFirst().scorers().getFirst().scorer();
    assertThat(s.blockSizeTokens()).isEqualTo(64);
    assertThat(s.lruCapacityPerServer()).isEqualTo(500);
  }

  @Test
  void aScorerReferencedTwice_countsTwice_withAWarning() {
    PickerConfig c = load(GIE + """
        plugins: [{type: queue-scorer}]
        schedulingProfiles: [{name: d, plugins: [{pluginRef: queue-scorer, weight: 2}, {pluginRef: queue-scorer}]}]
        """);
    ProfileSpec p = c.profiles().getFirst();
    assertThat(p.scorers()).extracting(s -> s.weight()).containsExactly(2.0, 1.0);
    assertThat(c.warnings()).containsExactly(
        "schedulingProfiles[0].plugins[1].pluginRef: \"queue-scorer\" is referenced twice in profile d; its score counts twice");
  }

  @Test
  void detectorRefToTheUndeclaredDefaultType_createsIt() {
    PickerConfig c = load(GIE + "saturationDetector: {pluginRef: utilization-detector}\n");
    assertThat(c.saturationDetector().typedName().type()).isEqualTo("utilization-detector");
  }

  @Test
  void gieDataLayer_explicitSourceParameters_reachTheScrapeTarget() {
    PickerConfig c = load(GIE + """
        plugins:
        - {type: metrics-data-source, parameters: {scheme: http, path: /stats, port: 9090}}
        - {type: core-metrics-extractor, parameters: {defaultEngine: sglang}}
        dataLayer:
          sources: [{pluginRef: metrics-data-source, extractors: [{pluginRef: core-metrics-extractor}]}]
        """);
    MetricsDataSource m = c.metricsSource();
    assertThat(m.path()).isEqualTo("/stats");
    assertThat(m.port()).isEqualTo(9090);
    assertThat(c.engines().defaultEngine()).isEqualTo("sglang");
  }

  @Test
  void gieEmptyDataLayer_hasNoSources_andSaysScrapingGoesOn() {
    PickerConfig c = load(GIE + "dataLayer: {}\n");
    assertThat(c.dataLayer().sources()).isEmpty();
    assertThat(c.warnings()).singleElement().asString().startsWith("dataLayer: no metrics-data-source with an extractor;");
  }

  @Test
  void routerDataLayer_injectsTheDefaultSourceAdditively_unlessOptedOut() {
    PickerConfig injected = load(ROUTER + """
        plugins: [{type: endpoint-notification-source}]
        dataLayer: {sources: [{pluginRef: endpoint-notification-source}]}
        """);
    assertThat(injected.dataLayer().sources()).extracting(s -> s.source().typedName().type())
        .containsExactly("endpoint-notification-source", "metrics-data-source");
    PickerConfig optOut = load(ROUTER + "dataLayer: {injectDefaults: false}\n");
    assertThat(optOut.dataLayer().sources()).isEmpty();
  }

  @Test
  void routerDeprecatedSections_andTypes_areMigratedWithWarnings() {
    PickerConfig c = load(ROUTER + """
        plugins:
        - {type: passthrough-parser}
        - {type: by-label, parameters: {label: role, validValues: [decode]}}
        - {type: concurrency-detector}
        parser: {pluginRef: passthrough-parser}
        saturationDetector: {pluginRef: concurrency-detector}
        """);
    assertThat(c.parsers()).extracting(p -> p.typedName().type()).containsExactly("passthrough-parser");
    assertThat(c.parsesBody()).isFalse();
    assertThat(c.saturationDetector().typedName().type()).isEqualTo("concurrency-detector");
    assertThat(c.warnings()).containsExactly(
        "plugins[1].type: by-label is deprecated (use label-selector-filter)",
        "saturationDetector: deprecated (use flowControl.saturationDetector)",
        "parser: deprecated (use requestHandler.parsers)");
  }

  @Test
  void routerParsersNamedByType_needNoDeclaration() {
    PickerConfig c = load(ROUTER + "requestHandler: {parsers: [{pluginRef: openai-parser}, {pluginRef: passthrough-parser}]}\n");
    assertThat(c.parsers()).extracting(p -> p.typedName().type()).containsExactly("openai-parser", "passthrough-parser");
  }

  @Test
  void routerFeatureGates_takeValues() {
    assertThat(load(ROUTER + "featureGates: [flowControl=false, haPopulateNonLeaderDatastore]\n").featureGates())
        .containsExactly("haPopulateNonLeaderDatastore");
    assertThat(load(ROUTER + "featureGates: [flowControl=False, flowControl=TRUE]\n").featureGates())
        .containsExactly("flowControl");
  }

  @Test
  void flowControl_isReadByTheFlowControlLayer_withThePolicyPluginsDeclared() {
    PickerConfig c = load(GIE + """
        featureGates: [flowControl]
        plugins: [{name: customFCFS, type: fcfs-ordering-policy}, {type: static-usage-limit-policy, parameters: {threshold: 0.9}}]
        flowControl:
          maxBytes: 1Gi
          maxRequests: 5k
          defaultRequestTTL: 30s
          usageLimitPolicyPluginRef: static-usage-limit-policy
          priorityBands:
          - {priority: 100, orderingPolicyRef: customFCFS, fairnessPolicyRef: global-strict-fairness-policy, maxRequests: 10}
        """);
    FlowControlSettings fc = FlowControlSettings.of(c, name -> null);
    assertThat(fc.maxBytes()).isEqualTo(1L << 30);
    assertThat(fc.maxRequests()).isEqualTo(5000);
    assertThat(fc.requestTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(fc.bandFor(100).maxRequests()).isEqualTo(10);
    assertThat(fc.usageLimit()).isEqualTo(0.9);
    assertThat(FlowControlSettings.of(load(GIE + "flowControl: {maxBytes: 1024}\n"), name -> null))
        .as("without the feature gate the section is ignored, as the reference ignores it").isNull();
  }
}
