package dev.loadfuse.picker.plugins.datalayer.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelServerMetricsPluginTest {

  private static final String CONFIG = """
      apiVersion: inference.networking.x-k8s.io/v1alpha1
      kind: EndpointPickerConfig
      plugins:
      - type: %s
        parameters:
          defaultEngine: sglang
          engineConfigs:
          - name: triton
            queuedRequestsSpec: "nv_trt_llm_request_metrics{request_type=waiting}"
            kvUsageSpec: "nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=fraction}"
      - type: queue-scorer
      """;

  @ParameterizedTest
  @ValueSource(strings = {"model-server-protocol-metrics", "core-metrics-extractor"})
  void bothNames_handTheirParametersToTheEngineLoader(String type) {
    PickerConfig config = new ConfigLoader(InTreePlugins.registry()).load(CONFIG.formatted(type), "t.yaml");
    assertThat(config.engines().defaultEngine()).isEqualTo("sglang");
    assertThat(config.engines().engine("triton")).isPresent();
  }

  @ParameterizedTest
  @ValueSource(strings = {"model-server-protocol-metrics", "core-metrics-extractor"})
  void engineErrors_carryThePluginPath(String type) {
    String bad = CONFIG.formatted(type).replace("request_type=waiting}", "request_type=waiting");
    assertThatThrownBy(() -> new ConfigLoader(InTreePlugins.registry()).load(bad, "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("t.yaml: plugins[0].parameters: engineConfigs[0].queuedRequestsSpec: ");
  }
}
