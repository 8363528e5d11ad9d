package dev.loadfuse.picker.scheduling.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.plugins.saturation.concurrency.ConcurrencyDetector;
import dev.loadfuse.picker.plugins.saturation.utilization.UtilizationDetector;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The saturationDetector section and the parameters of the saturation, LoRA and GPU plugins. */
class SmartPluginsConfigTest {

  private static final String HEAD = """
      apiVersion: inference.networking.x-k8s.io/v1alpha1
      kind: EndpointPickerConfig
      """;

  private final ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());

  @Test
  void noSection_defaultUtilizationDetector_withTheReferenceDefaults() {
    UtilizationDetector d = (UtilizationDetector) loader.defaults().saturationDetector();
    assertThat(d.queueDepthThreshold()).isEqualTo(5);
    assertThat(d.kvCacheUtilThreshold()).isEqualTo(0.8);
    assertThat(d.metricsStalenessMillis()).isEqualTo(200);
    assertThat(d.headroom()).isZero();
    // The default detector is not a filter of the default profile.
    assertThat(loader.defaults().profiles().getFirst().filters()).isEmpty();
  }

  @Test
  void noSection_aPluginNamedUtilizationDetector_isTheDetector() {
    var c = loader.load(HEAD + "plugins: [{type: utilization-detector, parameters: {queueDepthThreshold: 9, headroom: 0.2}}]\n", "t");
    UtilizationDetector d = (UtilizationDetector) c.saturationDetector();
    assertThat(d.queueDepthThreshold()).isEqualTo(9);
    assertThat(d.headroom()).isEqualTo(0.2);
    assertThat(c.profiles().getFirst().filters()).containsExactly(d);
  }

  @Test
  void pluginRef_choosesTheConcurrencyDetector() {
    var c = loader.load(HEAD + """
        plugins:
        - {name: cd, type: concurrency-detector, parameters: {concurrencyMode: hybrid, maxConcurrency: 4}}
        - type: queue-scorer
        schedulingProfiles: [{name: default, plugins: [{pluginRef: queue-scorer}]}]
        saturationDetector: {pluginRef: cd}
        """, "t");
    assertThat(c.saturationDetector()).isInstanceOf(ConcurrencyDetector.class);
    assertThat(((ConcurrencyDetector) c.saturationDetector()).mode()).isEqualTo(ConcurrencyDetector.Mode.HYBRID);
    assertThat(c.profiles().getFirst().filters()).isEmpty();
  }

  @Test
  void deprecatedThresholds_buildAUtilizationDetector() {
    var c = loader.load(HEAD + "saturationDetector: {queueDepthThreshold: 8, kvCacheUtilThreshold: 0.75, metricsStalenessThreshold: 150ms}\n", "t");
    UtilizationDetector d = (UtilizationDetector) c.saturationDetector();
    assertThat(d.queueDepthThreshold()).isEqualTo(8);
    assertThat(d.kvCacheUtilThreshold()).isEqualTo(0.75);
    assertThat(d.metricsStalenessMillis()).isEqualTo(150);
  }

  static Stream<Arguments> errors() {
    return Stream.of(
        Arguments.of("pluginRef with thresholds", HEAD + """
            plugins: [{type: utilization-detector}]
            saturationDetector: {pluginRef: utilization-detector, queueDepthThreshold: 3}
            """, "t.yaml: saturationDetector: pluginRef and the threshold fields are mutually exclusive"),
        Arguments.of("dangling pluginRef", HEAD + "plugins: [{type: queue-scorer}]\nsaturationDetector: {pluginRef: sd}\n",
            "t.yaml: saturationDetector.pluginRef: \"sd\" names no plugin in plugins (known: queue-scorer)"),
        Arguments.of("pluginRef to a scorer", HEAD + "plugins: [{type: queue-scorer}]\nsaturationDetector: {pluginRef: queue-scorer}\n",
            "t.yaml: saturationDetector.pluginRef: \"queue-scorer\" is a queue-scorer plugin, which is not a saturation detector"),
        Arguments.of("section not a map", HEAD + "saturationDetector: [a]\n",
            "t.yaml: saturationDetector: a list (expected: a map with pluginRef)"),
        Arguments.of("unknown key in section", HEAD + "saturationDetector: {headroom: 0.1}\n",
            "t.yaml: saturationDetector: unknown key \"headroom\" (known: pluginRef, queueDepthThreshold, kvCacheUtilThreshold, metricsStalenessThreshold)"),
        Arguments.of("zero queue threshold", HEAD + "saturationDetector: {queueDepthThreshold: 0}\n",
            "t.yaml: saturationDetector.queueDepthThreshold: 0 (expected: >= 1)"),
        Arguments.of("kv threshold above 1", HEAD + "saturationDetector: {kvCacheUtilThreshold: 1.5}\n",
            "t.yaml: saturationDetector.kvCacheUtilThreshold: 1.5 (expected: (0, 1])"),
        Arguments.of("bad staleness", HEAD + "saturationDetector: {metricsStalenessThreshold: soon}\n",
            "t.yaml: saturationDetector.metricsStalenessThreshold: "),
        Arguments.of("staleness not a string", HEAD + "saturationDetector: {metricsStalenessThreshold: 200}\n",
            "t.yaml: saturationDetector.metricsStalenessThreshold: 200 (expected: a duration such as 200ms or 1s)"),
        Arguments.of("negative headroom", HEAD + "plugins: [{type: utilization-detector, parameters: {headroom: -1}}]\n",
            "t.yaml: plugins[0].parameters.headroom: -1 (expected: >= 0)"),
        Arguments.of("unknown concurrency mode", HEAD + "plugins: [{type: concurrency-detector, parameters: {concurrencyMode: bytes}}]\n",
            "t.yaml: plugins[0].parameters.concurrencyMode: \"bytes\" (expected: requests, tokens or hybrid)"),
        Arguments.of("zero max concurrency", HEAD + "plugins: [{type: concurrency-detector, parameters: {maxConcurrency: 0}}]\n",
            "t.yaml: plugins[0].parameters.maxConcurrency: 0 (expected: >= 1)"),
        Arguments.of("unknown throttle reason", HEAD + "plugins: [{type: gpu-health-filter, parameters: {throttleReasons: [HwSlowdown, TooHot]}}]\n",
            "t.yaml: plugins[0].parameters.throttleReasons[1]: \"TooHot\" (expected one of: GpuIdle, "),
        Arguments.of("temperature out of range", HEAD + "plugins: [{type: gpu-health-filter, parameters: {maxTemperatureC: 0}}]\n",
            "t.yaml: plugins[0].parameters.maxTemperatureC: 0 (expected: [1, 200])"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("errors")
  void invalidConfig_namesThePath(String name, String text, String message) {
    assertThatThrownBy(() -> loader.load(text, "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith(message);
  }
}
