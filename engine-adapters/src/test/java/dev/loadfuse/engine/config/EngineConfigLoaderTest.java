package dev.loadfuse.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class EngineConfigLoaderTest {

  private static final String KNOWN = "sglang, triton-tensorrt-llm, trt-llm, triton, trtllm-serve, vllm";
  private static final String HEADER =
      "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n";

  /** The EndpointPickerConfig example of REFERENCE.md §4. */
  private static final String REFERENCE_EXAMPLE =
      HEADER
          + """
          featureGates: []
          plugins:
          - type: queue-scorer
          - type: kv-cache-utilization-scorer
          - type: prefix-cache-scorer
            parameters: {blockSizeTokens: 16, maxPrefixBlocksToMatch: 256, lruCapacityPerServer: 31250}
          - {name: picker, type: max-score-picker, parameters: {maxNumOfEndpoints: 1}}
          - type: model-server-protocol-metrics
            parameters:
              engineLabelKey: inference.networking.k8s.io/engine-type
              defaultEngine: vllm
              engineConfigs:
              - {name: triton, queuedRequestsSpec: "nv_trt_llm_request_metrics{request_type=waiting}",
                 kvUsageSpec: "nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=fraction}"}
          schedulingProfiles:
          - name: default
            plugins:
            - {pluginRef: queue-scorer, weight: 2}
            - {pluginRef: kv-cache-utilization-scorer, weight: 2}
            - {pluginRef: prefix-cache-scorer, weight: 3}
            - {pluginRef: picker}
          """;

  @Test
  void referenceExample_metricsPluginReadOtherPluginsTolerated() {
    ModelServerMetricsConfig c =
        EngineConfigLoader.fromEndpointPickerConfigText(REFERENCE_EXAMPLE, "epc.yaml");
    EngineConfig triton = c.require("triton");
    assertThat(triton.queuedRequestsSpec().orElseThrow().canonical())
        .isEqualTo("nv_trt_llm_request_metrics{request_type=\"waiting\"}");
    assertThat(triton.runningRequestsSpec()).isEmpty();
    assertThat(c.require("trt-llm").name()).isEqualTo("triton-tensorrt-llm");
    assertThat(c.defaultEngine()).isEqualTo("vllm");
  }

  @Test
  void epcFile_readFromDisk(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("epc.yaml");
    Files.writeString(
        file,
        HEADER
            + """
            plugins:
            - type: core-metrics-extractor
              parameters:
                engineLabelKey: llm-d.ai/engine-type
                defaultEngine: sglang
            """);
    ModelServerMetricsConfig c = EngineConfigLoader.fromEndpointPickerConfig(file);
    assertThat(c.engineLabelKey()).isEqualTo("llm-d.ai/engine-type");
    assertThat(c.defaultEngine()).isEqualTo("sglang");
  }

  @Test
  void epcWithoutMetricsPlugin_defaults() {
    assertThat(
            EngineConfigLoader.fromEndpointPickerConfigText(HEADER + "plugins:\n- type: queue-scorer\n", "x")
                .knownNames())
        .isEqualTo(KNOWN);
    assertThat(EngineConfigLoader.fromEndpointPickerConfigText(HEADER, "x").defaultEngine())
        .isEqualTo("vllm");
  }

  @Test
  void metricsPluginWithoutParameters_defaults() {
    ModelServerMetricsConfig c =
        EngineConfigLoader.fromEndpointPickerConfigText(
            HEADER + "plugins:\n- type: model-server-protocol-metrics\n", "x");
    assertThat(c.engines()).hasSize(4);
  }

  @Test
  void parametersText_everyEngineField() {
    ModelServerMetricsConfig c =
        EngineConfigLoader.fromParametersText(
            """
            engineConfigs:
            - name: my-engine
              queuedRequestsSpec: q
              runningRequestsSpec: r{a="1"}
              kvUsageSpec: kv
              loraSpec: lora
              cacheInfoSpec: info
              cacheBlockSizeLabelName: bs
              cacheNumBlocksLabelName: nb
              cacheBlockSizeSpec: bsg
              cacheNumBlocksSpec: nbg
              queuedRequestsFallbackSpec: q_old
              runningRequestsFallbackSpec: r_old
              kvUsageFallbackSpec: kv_old
              kvUsedBlocksSpec: used
              kvTotalBlocksSpec: total
            """);
    EngineConfig e = c.require("my-engine");
    assertThat(e.queuedRequestsSpec().orElseThrow().text()).isEqualTo("q");
    assertThat(e.runningRequestsSpec().orElseThrow().canonical()).isEqualTo("r{a=\"1\"}");
    assertThat(e.kvUsageSpec().orElseThrow().text()).isEqualTo("kv");
    assertThat(e.loraSpec().orElseThrow().text()).isEqualTo("lora");
    assertThat(e.cacheInfoSpec().orElseThrow().text()).isEqualTo("info");
    assertThat(e.cacheBlockSizeLabelName()).isEqualTo("bs");
    assertThat(e.cacheNumBlocksLabelName()).isEqualTo("nb");
    assertThat(e.cacheBlockSizeSpec().orElseThrow().text()).isEqualTo("bsg");
    assertThat(e.cacheNumBlocksSpec().orElseThrow().text()).isEqualTo("nbg");
    assertThat(e.queuedRequestsFallbackSpec().orElseThrow().text()).isEqualTo("q_old");
    assertThat(e.runningRequestsFallbackSpec().orElseThrow().text()).isEqualTo("r_old");
    assertThat(e.kvUsageFallbackSpec().orElseThrow().text()).isEqualTo("kv_old");
    assertThat(e.kvUsedBlocksSpec().orElseThrow().text()).isEqualTo("used");
    assertThat(e.kvTotalBlocksSpec().orElseThrow().text()).isEqualTo("total");
  }

  @Test
  void jsonParameters_read() {
    ModelServerMetricsConfig c =
        EngineConfigLoader.fromParametersText(
            "{\"defaultEngine\": \"trtllm-serve\", \"engineConfigs\": [{\"name\": \"x\", \"kvUsageSpec\": \"\"}]}");
    assertThat(c.defaultEngine()).isEqualTo("trtllm-serve");
    assertThat(c.require("x").kvUsageSpec()).isEmpty();
  }

  @Test
  void parametersMap_read() {
    ModelServerMetricsConfig c =
        EngineConfigLoader.fromParameters(
            Map.of("engineConfigs", List.of(Map.of("name", "vllm", "queuedRequestsSpec", "q"))));
    assertThat(c.require("vllm").queuedRequestsSpec().orElseThrow().text()).isEqualTo("q");
    assertThat(c.require("vllm").loraSpec()).isEmpty();
  }

  @Test
  void nullAndEmptySpecs_disableTheSignal() {
    ModelServerMetricsConfig c =
        EngineConfigLoader.fromParametersText(
            "engineConfigs:\n- name: e\n  queuedRequestsSpec:\n  kvUsageSpec: ''\n");
    assertThat(c.require("e").queuedRequestsSpec()).isEmpty();
    assertThat(c.require("e").kvUsageSpec()).isEmpty();
  }

  @Test
  void legacyFlags_readAndEmptyLoraTurnsLoraOff() {
    ModelServerMetricsConfig c =
        EngineConfigLoader.fromParametersText(
            """
            total-queued-requests-metric: my_waiting
            kv-cache-usage-percentage-metric: my_kv{engine="0"}
            lora-info-metric: ""
            """);
    EngineConfig v = c.require("vllm");
    assertThat(v.queuedRequestsSpec().orElseThrow().text()).isEqualTo("my_waiting");
    assertThat(v.kvUsageSpec().orElseThrow().canonical()).isEqualTo("my_kv{engine=\"0\"}");
    assertThat(v.loraSpec()).isEmpty();
  }

  static List<List<String>> badEpcFiles() {
    String plugin = HEADER + "plugins:\n- type: queue-scorer\n- type: model-server-protocol-metrics\n  parameters:\n";
    return List.of(
        List.of(
            plugin + "    engineConfigs:\n    - {name: vllm, kvUsageSpec: 'vllm:x{a='}\n",
            "epc.yaml: plugins[1].parameters.engineConfigs[0].kvUsageSpec: invalid metric spec"
                + " \"vllm:x{a=\" at position 9: unterminated label matcher"),
        List.of(
            plugin + "    engineConfig: []\n",
            "epc.yaml: plugins[1].parameters: unknown key \"engineConfig\" (known:"
                + " engineLabelKey, defaultEngine, engineConfigs, total-queued-requests-metric,"
                + " kv-cache-usage-percentage-metric, lora-info-metric)"),
        List.of(
            plugin + "    engineConfigs:\n    - {name: e, kvSpec: x}\n",
            "epc.yaml: plugins[1].parameters.engineConfigs[0]: unknown key \"kvSpec\" (known:"
                + " name, queuedRequestsSpec, runningRequestsSpec, kvUsageSpec, loraSpec,"
                + " cacheInfoSpec, cacheBlockSizeLabelName, cacheNumBlocksLabelName,"
                + " cacheBlockSizeSpec, cacheNumBlocksSpec, queuedRequestsFallbackSpec,"
                + " runningRequestsFallbackSpec, kvUsageFallbackSpec, kvUsedBlocksSpec,"
                + " kvTotalBlocksSpec)"),
        List.of(
            plugin + "    engineConfigs:\n    - {queuedRequestsSpec: q}\n",
            "epc.yaml: plugins[1].parameters.engineConfigs[0].name: required (a non-empty engine name)"),
        List.of(
            plugin + "    engineConfigs:\n    - {name: 7}\n",
            "epc.yaml: plugins[1].parameters.engineConfigs[0].name: expected a string, got number 7"),
        List.of(
            plugin + "    engineConfigs: {name: x}\n",
            "epc.yaml: plugins[1].parameters.engineConfigs: expected a list, got a mapping"),
        List.of(
            plugin + "    engineConfigs: [vllm]\n",
            "epc.yaml: plugins[1].parameters.engineConfigs[0]: expected a mapping, got \"vllm\""),
        List.of(
            plugin + "    engineConfigs:\n    - {name: a}\n    - {name: a}\n",
            "epc.yaml: plugins[1].parameters.engineConfigs[1].name: duplicate engine name \"a\""),
        List.of(
            plugin + "    defaultEngine: vlm\n",
            "epc.yaml: plugins[1].parameters.defaultEngine: unknown engine \"vlm\" (known: " + KNOWN + ")"),
        List.of(
            plugin + "    engineLabelKey: [a]\n",
            "epc.yaml: plugins[1].parameters.engineLabelKey: expected a string, got a list"),
        List.of(
            plugin + "    engineConfigs:\n    - {name: e, kvUsedBlocksSpec: used}\n",
            "epc.yaml: plugins[1].parameters.engineConfigs[0].kvUsedBlocksSpec: used,"
                + " kvTotalBlocksSpec: \"\" (expected: both set or both empty)"),
        List.of(
            plugin + "    engineConfigs:\n    - {name: e, cacheBlockSizeLabelName: 'block size'}\n",
            "epc.yaml: plugins[1].parameters.engineConfigs[0].cacheBlockSizeLabelName:"
                + " \"block size\" (expected: a label name [a-zA-Z_][a-zA-Z0-9_]*)"),
        List.of(
            plugin + "    total-queued-requests-metric: 'q{'\n",
            "epc.yaml: plugins[1].parameters.total-queued-requests-metric: invalid metric spec"
                + " \"q{\" at position 2: unterminated label matcher"),
        List.of(
            HEADER + "plugins:\n- type: model-server-protocol-metrics\n  parameters: [1]\n",
            "epc.yaml: plugins[0].parameters: expected a mapping, got a list"),
        List.of(
            HEADER + "plugins:\n- type: model-server-protocol-metrics\n- type: core-metrics-extractor\n",
            "epc.yaml: plugins[1].type: a second metrics plugin (the first is plugins[0])"),
        List.of(HEADER + "plugins: queue-scorer\n", "epc.yaml: plugins: expected a list, got \"queue-scorer\""),
        List.of(HEADER + "plugins:\n- queue-scorer\n", "epc.yaml: plugins[0]: expected a mapping, got \"queue-scorer\""),
        List.of(HEADER + "plugins:\n- type: {a: b}\n", "epc.yaml: plugins[0].type: expected a string, got a mapping"),
        List.of(
            "apiVersion: v1\nkind: EndpointPickerConfig\n",
            "epc.yaml: apiVersion: \"v1\" (expected: \"inference.networking.x-k8s.io/v1alpha1\" or \"llm-d.ai/v1alpha1\")"),
        List.of(
            "kind: EndpointPickerConfig\n",
            "epc.yaml: apiVersion: missing (expected: \"inference.networking.x-k8s.io/v1alpha1\" or \"llm-d.ai/v1alpha1\")"),
        List.of(
            "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: ConfigMap\n",
            "epc.yaml: kind: \"ConfigMap\" (expected: \"EndpointPickerConfig\")"),
        List.of("", "epc.yaml: expected a mapping with apiVersion and kind, got nothing"),
        List.of("- a\n- b\n", "epc.yaml: expected a mapping with apiVersion and kind, got a list"));
  }

  @ParameterizedTest
  @MethodSource("badEpcFiles")
  void badEndpointPickerConfig_errorNamesFileAndPath(List<String> c) {
    assertThatThrownBy(() -> EngineConfigLoader.fromEndpointPickerConfigText(c.get(0), "epc.yaml"))
        .isInstanceOf(EngineConfigException.class)
        .hasMessage(c.get(1));
  }

  @Test
  void invalidYaml_errorNamesFileLineAndColumn() {
    assertThatThrownBy(
            () -> EngineConfigLoader.fromEndpointPickerConfigText(HEADER + "plugins: [a\n", "epc.yaml"))
        .isInstanceOf(EngineConfigException.class)
        .hasMessageStartingWith("epc.yaml: invalid YAML (line ")
        .hasMessageNotContaining("\n");
  }

  @Test
  void missingFile_errorNamesIt(@TempDir Path dir) {
    Path file = dir.resolve("nope.yaml");
    assertThatThrownBy(() -> EngineConfigLoader.fromEndpointPickerConfig(file))
        .isInstanceOf(EngineConfigException.class)
        .hasMessage(file + ": cannot read: no such file");
  }

  @Test
  void parametersErrors_pathWithoutPrefix() {
    assertThatThrownBy(() -> EngineConfigLoader.fromParametersText("engineConfigs:\n- {name: e, loraSpec: 'l{a!=b}'}\n"))
        .isInstanceOf(EngineConfigException.class)
        .hasMessage(
            "engineConfigs[0].loraSpec: invalid metric spec \"l{a!=b}\" at position 3:"
                + " only equality matchers (=) are supported");
    assertThatThrownBy(() -> EngineConfigLoader.fromParametersText("defaultEngine: nope\n"))
        .hasMessage("defaultEngine: unknown engine \"nope\" (known: " + KNOWN + ")");
    assertThatThrownBy(() -> EngineConfigLoader.fromParametersText("- 1\n"))
        .hasMessage("parameters: expected a mapping, got a list");
  }
}
