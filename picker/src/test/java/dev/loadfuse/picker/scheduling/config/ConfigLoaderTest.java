package dev.loadfuse.picker.scheduling.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.plugins.picker.maxscore.MaxScorePicker;
import dev.loadfuse.picker.plugins.profile.single.SingleProfileHandler;
import dev.loadfuse.picker.scheduling.ProfileSpec;
import dev.loadfuse.picker.scheduling.WeightedScorer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ConfigLoaderTest {

  private static final String HEAD = """
      apiVersion: inference.networking.x-k8s.io/v1alpha1
      kind: EndpointPickerConfig
      """;
  private static final String ROUTER = """
      apiVersion: llm-d.ai/v1alpha1
      kind: EndpointPickerConfig
      """;

  private final ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());

  @Test
  void defaults_areTheReferences_queueAndKvCacheTwice_prefixThrice_withMaxScore() {
    PickerConfig c = loader.defaults();
    assertThat(c.profileHandler()).isInstanceOf(SingleProfileHandler.class);
    assertThat(c.profiles()).hasSize(1);
    ProfileSpec p = c.profiles().getFirst();
    assertThat(p.name()).isEqualTo("default");
    assertThat(p.filters()).isEmpty();
    assertThat(p.scorers()).extracting(s -> s.scorer().typedName().type() + "=" + s.weight())
        .containsExactly("queue-scorer=2.0", "kv-cache-utilization-scorer=2.0", "prefix-cache-scorer=3.0");
    assertThat(p.picker()).isInstanceOf(MaxScorePicker.class);
    assertThat(c.saturationDetector().typedName().type()).isEqualTo("utilization-detector");
    assertThat(((MaxScorePicker) p.picker()).maxNumOfEndpoints()).isEqualTo(1);
    assertThat(c.engines().toString()).isEqualTo(ModelServerMetricsConfig.defaults().toString());
  }

  @Test
  void referenceExample_withoutPrefixCache_loads() {
    PickerConfig c = loader.load(HEAD + """
        featureGates: []
        plugins:
        - type: queue-scorer
        - type: kv-cache-utilization-scorer
        - {name: picker, type: max-score-picker, parameters: {maxNumOfEndpoints: 3}}
        - type: model-server-protocol-metrics
          parameters:
            engineLabelKey: inference.networking.k8s.io/engine-type
            defaultEngine: vllm
        schedulingProfiles:
        - name: default
          plugins:
          - {pluginRef: queue-scorer, weight: 2}
          - {pluginRef: kv-cache-utilization-scorer}
          - {pluginRef: picker}
        """, "epc.yaml");
    ProfileSpec p = c.profiles().getFirst();
    assertThat(p.scorers()).extracting(WeightedScorer::weight).containsExactly(2.0, 1.0);
    assertThat(p.picker().typedName().name()).isEqualTo("picker");
    assertThat(((MaxScorePicker) p.picker()).maxNumOfEndpoints()).isEqualTo(3);
    assertThat(c.profileHandler().typedName().type()).isEqualTo("single-profile-handler");
  }

  @Test
  void profileWithoutPicker_getsMaxScore_andNoProfiles_getsAllPlugins() {
    PickerConfig noPicker = loader.load(HEAD + """
        plugins: [{type: running-requests-size-scorer}]
        schedulingProfiles: [{name: p, plugins: [{pluginRef: running-requests-size-scorer, weight: 0}]}]
        """, "t");
    assertThat(noPicker.profiles().getFirst().picker()).isInstanceOf(MaxScorePicker.class);
    assertThat(noPicker.profiles().getFirst().scorers().getFirst().weight()).isZero();

    PickerConfig implicit = loader.load(HEAD + """
        plugins:
        - {type: by-label, parameters: {label: role, validValues: [decode]}}
        - {type: queue-scorer}
        - {type: weighted-random-picker, parameters: {maxNumOfEndpoints: 2}}
        """, "t");
    ProfileSpec p = implicit.profiles().getFirst();
    assertThat(p.name()).isEqualTo("default");
    assertThat(p.filters()).hasSize(1);
    assertThat(p.scorers()).hasSize(1);
    assertThat(p.picker().typedName().type()).isEqualTo("weighted-random-picker");
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("only a comment", "# nothing here\n", "t.yaml: no apiVersion and kind (only blanks or comments;"),
        Arguments.of("not a map", "- a\n", "t.yaml: expected a map with apiVersion and kind"),
        Arguments.of("bad yaml", HEAD + "plugins: [\n", "t.yaml: invalid YAML (line "),
        Arguments.of("missing apiVersion", "kind: EndpointPickerConfig\n",
            "t.yaml: apiVersion: missing (expected: inference.networking.x-k8s.io/v1alpha1 or llm-d.ai/v1alpha1)"),
        Arguments.of("other apiVersion", "apiVersion: config.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n",
            "t.yaml: apiVersion: \"config.x-k8s.io/v1alpha1\" (expected: inference.networking.x-k8s.io/v1alpha1 or llm-d.ai/v1alpha1)"),
        Arguments.of("wrong kind", "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: Foo\n",
            "t.yaml: kind: \"Foo\" (expected: EndpointPickerConfig)"),
        Arguments.of("unknown root key", HEAD + "data: {}\n",
            "t.yaml: unknown key \"data\" (known: apiVersion, kind, featureGates, plugins, schedulingProfiles, saturationDetector, dataLayer, flowControl, parser)"),
        Arguments.of("the router's requestHandler in a GIE config", HEAD + "requestHandler: {parsers: []}\n",
            "t.yaml: unknown key \"requestHandler\" (known: apiVersion, kind, featureGates, plugins, schedulingProfiles, saturationDetector, dataLayer, flowControl, parser)"),
        Arguments.of("duplicate key", HEAD + "plugins: []\nplugins: []\n", "t.yaml: duplicate key \"plugins\" (line "),
        Arguments.of("unknown plugin key", HEAD + "plugins: [{type: queue-scorer, weight: 2}]\n",
            "t.yaml: plugins[0]: unknown key \"weight\" (known: name, type, parameters)"),
        Arguments.of("missing type", HEAD + "plugins: [{name: x}]\n", "t.yaml: plugins[0].type: missing"),
        Arguments.of("unknown type", HEAD + "plugins: [{type: queue-scorer}, {type: custom-scorer}]\n",
            "t.yaml: plugins[1].type: unknown plugin type \"custom-scorer\" (known: by-label, label-selector-filter, "),
        Arguments.of("a reference type loadfuse lacks", HEAD + "plugins: [{type: session-affinity-scorer}]\n",
            "t.yaml: plugins[0].type: \"session-affinity-scorer\" is a plugin of the reference that loadfuse does not implement yet;"
                + " the config is refused rather than run without it"),
        Arguments.of("P/D", HEAD + "plugins: [{type: prefill-filter}]\n",
            "t.yaml: plugins[0].type: \"prefill-filter\" is a prefill/decode (P/D) or data-parallel disaggregation plugin of the reference;"
                + " loadfuse does not implement disaggregated serving"),
        Arguments.of("latency predictor", HEAD + "plugins: [{type: latency-scorer}]\n",
            "t.yaml: plugins[0].type: \"latency-scorer\" needs the reference's latency predictor"),
        Arguments.of("vLLM gRPC parser", HEAD + "plugins: [{type: vllmgrpc-parser}]\nparser: {pluginRef: vllmgrpc-parser}\n",
            "t.yaml: plugins[0].type: \"vllmgrpc-parser\" is a parser of the reference that loadfuse does not implement:"
                + " loadfuse reads HTTP/JSON request bodies only, not vLLM's gRPC framing"),
        Arguments.of("router parser by type, not implemented", ROUTER + "requestHandler: {parsers: [{pluginRef: anthropic-parser}]}\n",
            "t.yaml: requestHandler.parsers[0].pluginRef: \"anthropic-parser\" is a parser of the reference that loadfuse does not implement"),
        Arguments.of("router parser by unknown type", ROUTER + "requestHandler: {parsers: [{pluginRef: foo}]}\n",
            "t.yaml: requestHandler.parsers[0].pluginRef: \"foo\" names no plugin in plugins and no plugin type (known: "),
        Arguments.of("GIE parser not declared", HEAD + "parser: {pluginRef: foo}\n",
            "t.yaml: parser.pluginRef: \"foo\" names no plugin in plugins (there are none)"),
        Arguments.of("parser that is no parser", HEAD + "plugins: [{type: queue-scorer}]\nparser: {pluginRef: queue-scorer}\n",
            "t.yaml: parser.pluginRef: \"queue-scorer\" is a queue-scorer plugin, which is not a parser"),
        Arguments.of("unknown GIE gate", HEAD + "featureGates: [prepareDataPlugins]\n",
            "t.yaml: featureGates[0]: unknown feature gate \"prepareDataPlugins\" (known: dataLayer, enableLegacyMetrics, flowControl)"),
        Arguments.of("GIE gate with a value", HEAD + "featureGates: [flowControl=true]\n",
            "t.yaml: featureGates[0]: unknown feature gate \"flowControl=true\" (known: "),
        Arguments.of("gate the router removed", ROUTER + "featureGates: [dataLayer]\n",
            "t.yaml: featureGates[0]: unknown feature gate \"dataLayer\" (known: flowControl, haPopulateNonLeaderDatastore)"),
        Arguments.of("router gate with a bad value", ROUTER + "featureGates: [flowControl=qwerty]\n",
            "t.yaml: featureGates[0]: \"flowControl=qwerty\" (expected: NAME, NAME=true or NAME=false)"),
        Arguments.of("detector not declared", HEAD + "saturationDetector: {pluginRef: concurrency-detector}\n",
            "t.yaml: saturationDetector.pluginRef: \"concurrency-detector\" names no plugin in plugins (there are none)"),
        Arguments.of("data source not declared", HEAD + "dataLayer: {sources: [{pluginRef: metrics-data-source}]}\n",
            "t.yaml: dataLayer.sources[0].pluginRef: \"metrics-data-source\" names no plugin in plugins (there are none)"),
        Arguments.of("extractor as a string", HEAD + """
            plugins: [{type: metrics-data-source}, {type: core-metrics-extractor}]
            dataLayer: {sources: [{pluginRef: metrics-data-source, extractors: [core-metrics-extractor]}]}
            """, "t.yaml: dataLayer.sources[0].extractors[0]: \"core-metrics-extractor\" (expected: a map with pluginRef)"),
        Arguments.of("source that is no source", HEAD + """
            plugins: [{type: queue-scorer}]
            dataLayer: {sources: [{pluginRef: queue-scorer}]}
            """, "t.yaml: dataLayer.sources[0].pluginRef: \"queue-scorer\" is a queue-scorer plugin, which is not a data source"),
        Arguments.of("https scrape", HEAD + "plugins: [{type: metrics-data-source, parameters: {scheme: https}}]\n",
            "t.yaml: plugins[0].parameters.scheme: \"https\" (expected: http; loadfuse scrapes model servers over plain HTTP only)"),
        Arguments.of("scrape port out of range", HEAD + "plugins: [{type: metrics-data-source, parameters: {port: 70000}}]\n",
            "t.yaml: plugins[0].parameters.port: 70000 (expected: [1, 65535])"),
        Arguments.of("k8s source without kind", HEAD + "plugins: [{type: k8s-notification-source, parameters: {version: v1}}]\n",
            "t.yaml: plugins[0].parameters: version and kind are required"),
        Arguments.of("router file discovery", ROUTER + "dataLayer: {discovery: {pluginRef: file-discovery}}\n",
            "t.yaml: dataLayer.discovery: not supported: loadfuse discovers endpoints"),
        Arguments.of("negative flow-control bytes", HEAD + "flowControl: {maxBytes: -5}\n",
            "t.yaml: flowControl.maxBytes: -5 (expected: >= 0)"),
        Arguments.of("bad quantity", HEAD + "flowControl: {priorityBands: [{priority: 1, maxRequests: lots}]}\n",
            "t.yaml: flowControl.priorityBands[0].maxRequests: \"lots\" (expected: a quantity such as 1024, 64Mi, 1Gi or 5k)"),
        Arguments.of("band without priority", HEAD + "flowControl: {priorityBands: [{maxBytes: 1Gi}]}\n",
            "t.yaml: flowControl.priorityBands[0].priority: missing"),
        Arguments.of("two bands of one priority", HEAD + "flowControl: {priorityBands: [{priority: 1}, {priority: 1}]}\n",
            "t.yaml: flowControl.priorityBands[1].priority: 1 appears in two priority bands"),
        Arguments.of("policy not declared", HEAD + "flowControl: {priorityBands: [{priority: 1, orderingPolicyRef: nope}]}\n",
            "t.yaml: flowControl.priorityBands[0].orderingPolicyRef: \"nope\" names no plugin in plugins (there are none)"),
        Arguments.of("policy of the wrong kind", HEAD + """
            plugins: [{type: round-robin-fairness-policy}]
            flowControl: {priorityBands: [{priority: 1, orderingPolicyRef: round-robin-fairness-policy}]}
            """, "t.yaml: flowControl.priorityBands[0].orderingPolicyRef: \"round-robin-fairness-policy\" is a round-robin-fairness-policy plugin, which is not an ordering policy"),
        Arguments.of("duplicate name", HEAD + "plugins: [{type: queue-scorer}, {type: queue-scorer}]\n",
            "t.yaml: plugins[1].name: duplicate plugin name \"queue-scorer\" (also plugins[0])"),
        Arguments.of("parameter of wrong type", HEAD + "plugins: [{type: random-picker, parameters: {maxNumOfEndpoints: two}}]\n",
            "t.yaml: plugins[0].parameters.maxNumOfEndpoints: \"two\" (expected: an integer)"),
        Arguments.of("missing pluginRef", HEAD + """
            plugins: [{type: queue-scorer}, {type: kv-cache-utilization-scorer}, {type: max-score-picker}]
            schedulingProfiles:
            - name: default
              plugins: [{pluginRef: queue-scorer}, {pluginRef: kv-cache-utilization-scorer}, {weight: 2}]
            """, "t.yaml: schedulingProfiles[0].plugins[2].pluginRef: missing"),
        Arguments.of("negative weight", HEAD + """
            plugins: [{type: queue-scorer}, {type: kv-cache-utilization-scorer}, {type: running-requests-size-scorer}]
            schedulingProfiles:
            - name: default
              plugins:
              - {pluginRef: queue-scorer}
              - {pluginRef: kv-cache-utilization-scorer}
              - {pluginRef: running-requests-size-scorer, weight: -1}
            """, "t.yaml: schedulingProfiles[0].plugins[2].weight: -1 (expected: >= 0)"),
        Arguments.of("weight not a number", HEAD + """
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: d, plugins: [{pluginRef: queue-scorer, weight: "2"}]}]
            """, "t.yaml: schedulingProfiles[0].plugins[0].weight: \"2\" (expected: a number >= 0)"),
        Arguments.of("dangling pluginRef", HEAD + """
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: d, plugins: [{pluginRef: nope}]}]
            """, "t.yaml: schedulingProfiles[0].plugins[0].pluginRef: \"nope\" names no plugin in plugins (known: queue-scorer)"),
        Arguments.of("unknown ref key", HEAD + """
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: d, plugins: [{pluginRef: queue-scorer, wieght: 2}]}]
            """, "t.yaml: schedulingProfiles[0].plugins[0]: unknown key \"wieght\" (known: pluginRef, weight)"),
        Arguments.of("two pickers", HEAD + """
            plugins: [{type: random-picker}, {type: max-score-picker}]
            schedulingProfiles: [{name: d, plugins: [{pluginRef: random-picker}, {pluginRef: max-score-picker}]}]
            """, "t.yaml: schedulingProfiles[0].plugins[1].pluginRef: a second picker in profile d (max-score-picker; already random-picker)"),
        Arguments.of("metrics plugin in profile", HEAD + """
            plugins: [{name: m, type: model-server-protocol-metrics}]
            schedulingProfiles: [{name: d, plugins: [{pluginRef: m}]}]
            """, "t.yaml: schedulingProfiles[0].plugins[0].pluginRef: \"m\" is a model-server-protocol-metrics plugin, which is not a filter, scorer or picker"),
        Arguments.of("two profiles for single handler", HEAD + """
            plugins: [{type: queue-scorer}]
            schedulingProfiles: [{name: a, plugins: []}, {name: b, plugins: []}]
            """, "t.yaml: schedulingProfiles: exactly one scheduling profile expected, found 2 [a, b] (profile handler single-profile-handler)"),
        Arguments.of("duplicate profile", HEAD + """
            schedulingProfiles: [{name: a, plugins: []}, {name: a, plugins: []}]
            """, "t.yaml: schedulingProfiles[1].name: duplicate profile name \"a\""),
        Arguments.of("feature gate not a string", HEAD + "featureGates: [{a: 1}]\n",
            "t.yaml: featureGates[0]: a map (expected: a string)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void invalidConfig_namesThePath(String name, String text, String message) {
    assertThatThrownBy(() -> loader.load(text, "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message);
  }

  @Test
  void file_errorsStartWithItsName(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("epc.yaml");
    assertThatThrownBy(() -> loader.loadFile(f)).hasMessage(f + ": cannot read: no such file");
    Files.writeString(f, HEAD + "plugins: [{type: nope}]\n");
    assertThatThrownBy(() -> loader.loadFile(f)).hasMessageStartingWith(f + ": plugins[0].type: unknown plugin type \"nope\"");
    Files.writeString(f, HEAD);
    assertThat(loader.loadFile(f).profiles()).extracting(ProfileSpec::name).isEqualTo(List.of("default"));
  }
}
