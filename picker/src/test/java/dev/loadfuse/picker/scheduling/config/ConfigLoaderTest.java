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
        Arguments.of("empty", "", "t.yaml: empty config"),
        Arguments.of("not a map", "- a\n", "t.yaml: expected a map with apiVersion and kind"),
        Arguments.of("bad yaml", HEAD + "plugins: [\n", "t.yaml: invalid YAML (line "),
        Arguments.of("missing apiVersion", "kind: EndpointPickerConfig\n",
            "t.yaml: apiVersion: missing (expected: inference.networking.x-k8s.io/v1alpha1)"),
        Arguments.of("wrong kind", "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: Foo\n",
            "t.yaml: kind: \"Foo\" (expected: EndpointPickerConfig)"),
        Arguments.of("unknown root key", HEAD + "flowcontrol: {}\n",
            "t.yaml: unknown key \"flowcontrol\" (known: apiVersion, kind, featureGates, plugins, schedulingProfiles, saturationDetector, flowControl)"),
        Arguments.of("duplicate key", HEAD + "plugins: []\nplugins: []\n", "t.yaml: duplicate key \"plugins\" (line "),
        Arguments.of("unknown plugin key", HEAD + "plugins: [{type: queue-scorer, weight: 2}]\n",
            "t.yaml: plugins[0]: unknown key \"weight\" (known: name, type, parameters)"),
        Arguments.of("missing type", HEAD + "plugins: [{name: x}]\n", "t.yaml: plugins[0].type: missing"),
        Arguments.of("unknown type", HEAD + "plugins: [{type: queue-scorer}, {type: session-affinity-scorer}]\n",
            "t.yaml: plugins[1].type: unknown plugin type \"session-affinity-scorer\" (known: by-label, queue-scorer, "),
        Arguments.of("duplicate name", HEAD + "plugins: [{type: queue-scorer}, {type: queue-scorer}]\n",
            "t.yaml: plugins[1].name: duplicate plugin name \"queue-scorer\" (also plugins[0])"),
        Arguments.of("unknown parameter", HEAD + "plugins: [{type: max-score-picker, parameters: {maxEndpoints: 2}}]\n",
            "t.yaml: plugins[0].parameters: unknown key \"maxEndpoints\" (known: maxNumOfEndpoints)"),
        Arguments.of("parameter to a plugin without any", HEAD + "plugins: [{type: queue-scorer, parameters: {x: 1}}]\n",
            "t.yaml: plugins[0].parameters: unknown key \"x\" (known: none)"),
        Arguments.of("bad parameter value", HEAD + "plugins: [{type: random-picker, parameters: {maxNumOfEndpoints: 0}}]\n",
            "t.yaml: plugins[0].parameters.maxNumOfEndpoints: 0 (expected: >= 1)"),
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
