package dev.loadfuse.picker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.flowcontrol.Fairness;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings;
import dev.loadfuse.picker.flowcontrol.Ordering;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.routing.ObjectsFile;
import dev.loadfuse.picker.routing.RoutingObjects;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The picker's files in config-examples/ load. */
class ConfigExamplesTest {

  private static final Path EXAMPLES = Path.of(System.getProperty("loadfuse.configExamples", "../config-examples"));

  @Test
  void pickerConfig_loads() {
    PickerConfig c = new ConfigLoader(InTreePlugins.registry()).loadFile(EXAMPLES.resolve("picker-config.yaml"));
    assertThat(c.profiles().getFirst().scorers()).hasSize(4);
    assertThat(c.engines().defaultEngine()).isEqualTo("vllm");
  }

  @Test
  void gpuAwareConfig_loads() {
    PickerConfig c = new ConfigLoader(InTreePlugins.registry()).loadFile(EXAMPLES.resolve("epc-gpu-aware.yaml"));
    var profile = c.profiles().getFirst();
    assertThat(profile.filters()).extracting(f -> f.typedName().type()).containsExactly("gpu-health-filter");
    assertThat(profile.scorers()).extracting(s -> s.scorer().typedName().type() + "=" + s.weight()).containsExactly(
        "queue-scorer=2.0", "kv-cache-utilization-scorer=2.0", "prefix-cache-scorer=3.0", "lora-affinity-scorer=1.0",
        "gpu-memory-headroom-scorer=1.0", "gpu-utilization-scorer=1.0");
    assertThat(c.saturationDetector().typedName().type()).isEqualTo("utilization-detector");
  }

  @Test
  void referenceScoringPluginConfigs_load() {
    ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());
    var affinity = loader.loadFile(EXAMPLES.resolve("epc-prefix-affinity.yaml")).profiles().getFirst();
    assertThat(affinity.filters()).extracting(f -> f.typedName().name())
        .containsExactly("strict-affinity-filter", "loose-affinity-filter");
    assertThat(affinity.scorers()).extracting(s -> s.scorer().typedName().type())
        .containsExactly("prefix-cache-scorer", "token-load-scorer", "queue-scorer");
    var router = loader.loadFile(EXAMPLES.resolve("epc-router-context-length.yaml")).profiles().getFirst();
    assertThat(router.filters()).extracting(f -> f.typedName().type()).containsExactly("decode-filter", "context-length-aware");
    assertThat(router.scorers()).extracting(s -> s.scorer().typedName().type() + "=" + s.weight())
        .containsExactly("context-length-aware=3.0", "load-aware-scorer=1.0", "prefix-cache-scorer=2.0");
  }

  @Test
  void conformanceTestingConfig_loads_withTheHeaderFilter() {
    var p = new ConfigLoader(InTreePlugins.registry()).loadFile(EXAMPLES.resolve("epc-conformance-testing.yaml"))
        .profiles().getFirst();
    assertThat(p.filters()).extracting(f -> f.typedName().type()).containsExactly("header-based-testing-filter");
  }

  @Test
  void flowControlConfig_loads_withItsBands() {
    PickerConfig c = new ConfigLoader(InTreePlugins.registry()).loadFile(EXAMPLES.resolve("epc-flow-control.yaml"));
    FlowControlSettings s = FlowControlSettings.of(c, name -> null);
    assertThat(s.requestTtl()).isEqualTo(java.time.Duration.ofSeconds(30));
    assertThat(s.maxRequests()).isEqualTo(10_000);
    assertThat(s.bandFor(10).fairness()).isEqualTo(Fairness.ROUND_ROBIN);
    assertThat(s.bandFor(-1).ordering()).isEqualTo(Ordering.EDF);
    assertThat(s.bandFor(-1).maxRequests()).isEqualTo(1000);
  }

  @Test
  void pickerObjects_load() {
    RoutingObjects o = ObjectsFile.load(EXAMPLES.resolve("picker-objects.yaml"), "local-pool");
    assertThat(o.priority("batch")).isEqualTo(-1);
    assertThat(o.priority("interactive")).isEqualTo(10);
    assertThat(o.rewrites().ruleFor("meta-llama/Llama-3.1-8B-Instruct").targets()).hasSize(2);
  }
}
