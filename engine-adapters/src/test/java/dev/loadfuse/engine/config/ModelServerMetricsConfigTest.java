package dev.loadfuse.engine.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.engine.spec.MetricSpec;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelServerMetricsConfigTest {

  private static final String KNOWN = "sglang, triton-tensorrt-llm, trt-llm, triton, trtllm-serve, vllm";
  private static final String LABEL = ModelServerMetricsConfig.DEFAULT_ENGINE_LABEL_KEY;
  private static final String ANNOTATION = ModelServerMetricsConfig.POOL_RUNTIME_ANNOTATION;

  @Test
  void defaults_builtInsAndVllm() {
    ModelServerMetricsConfig c = ModelServerMetricsConfig.defaults();
    assertThat(c.engineLabelKey()).isEqualTo("inference.networking.k8s.io/engine-type");
    assertThat(c.defaultEngine()).isEqualTo("vllm");
    assertThat(c.knownNames()).isEqualTo(KNOWN);
    assertThat(c.engines())
        .extracting(EngineConfig::name)
        .containsExactly("sglang", "triton-tensorrt-llm", "trtllm-serve", "vllm");
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "vllm, vllm",
    "sglang, sglang",
    "trt-llm, triton-tensorrt-llm",
    "triton, triton-tensorrt-llm",
    "triton-tensorrt-llm, triton-tensorrt-llm",
    "trtllm-serve, trtllm-serve",
  })
  void namesAndAliases_resolve(String name, String engine) {
    assertThat(ModelServerMetricsConfig.defaults().require(name).name()).isEqualTo(engine);
  }

  @Test
  void podLabel_winsOverAnnotationAndDefault() {
    EngineSelection s =
        ModelServerMetricsConfig.defaults()
            .select("pod-0", Map.of(LABEL, "sglang"), Map.of(ANNOTATION, "trt-llm"));
    assertThat(s.engine().name()).isEqualTo("sglang");
    assertThat(s.source()).isEqualTo(EngineSelection.Source.POD_LABEL);
    assertThat(s.value()).isEqualTo("sglang");
  }

  @Test
  void poolAnnotation_usedWithoutPodLabel() {
    EngineSelection s =
        ModelServerMetricsConfig.defaults()
            .select("pod-0", Map.of("app", "x", LABEL, ""), Map.of(ANNOTATION, "trt-llm"));
    assertThat(s.engine().name()).isEqualTo("triton-tensorrt-llm");
    assertThat(s.source()).isEqualTo(EngineSelection.Source.POOL_ANNOTATION);
  }

  @Test
  void neither_defaultEngine() {
    EngineSelection s = ModelServerMetricsConfig.defaults().select("pod-0", Map.of(), Map.of());
    assertThat(s.engine().name()).isEqualTo("vllm");
    assertThat(s.source()).isEqualTo(EngineSelection.Source.DEFAULT);
  }

  @Test
  void customLabelKey_used() {
    ModelServerMetricsConfig c = ModelServerMetricsConfig.builder().engineLabelKey("llm-d.ai/engine-type").build();
    assertThat(c.select("p", Map.of("llm-d.ai/engine-type", "sglang", LABEL, "vllm"), Map.of()).engine().name())
        .isEqualTo("sglang");
  }

  @Test
  void unknownPodLabel_errorNamesEndpointValueAndSource() {
    assertThatThrownBy(
            () -> ModelServerMetricsConfig.defaults().select("vllm-0", Map.of(LABEL, "vlm"), Map.of()))
        .isInstanceOf(UnknownEngineException.class)
        .hasMessage(
            "endpoint vllm-0: unknown engine \"vlm\" from pod label"
                + " inference.networking.k8s.io/engine-type (known: " + KNOWN + ")");
  }

  @Test
  void unknownPoolAnnotation_errorNamesTheAnnotation() {
    assertThatThrownBy(
            () -> ModelServerMetricsConfig.defaults().select("p-1", Map.of(), Map.of(ANNOTATION, "tgi")))
        .isInstanceOf(UnknownEngineException.class)
        .hasMessage(
            "endpoint p-1: unknown engine \"tgi\" from pool annotation"
                + " inference.networking.x-k8s.io/model-server-runtime (known: " + KNOWN + ")");
  }

  @Test
  void unknownExplicitEngine_error() {
    assertThatThrownBy(() -> ModelServerMetricsConfig.defaults().require("vlm"))
        .isInstanceOf(UnknownEngineException.class)
        .hasMessage("unknown engine \"vlm\" (known: " + KNOWN + ")")
        .extracting(e -> ((UnknownEngineException) e).engine())
        .isEqualTo("vlm");
  }

  @Test
  void unknownDefaultEngine_errorAtBuild() {
    assertThatThrownBy(() -> ModelServerMetricsConfig.builder().defaultEngine("tgi").build())
        .isInstanceOf(UnknownEngineException.class)
        .hasMessage("defaultEngine: unknown engine \"tgi\" (known: " + KNOWN + ")");
  }

  @Test
  void defaultEngineByAlias_canonicalised() {
    assertThat(ModelServerMetricsConfig.builder().defaultEngine("trt-llm").build().defaultEngine())
        .isEqualTo("triton-tensorrt-llm");
  }

  @Test
  void userConfigWithBuiltInName_replacesItOthersStay() {
    EngineConfig mine = EngineConfig.builder("vllm").queuedRequestsSpec("my_queue").build();
    ModelServerMetricsConfig c = ModelServerMetricsConfig.builder().addEngineConfig(mine).build();
    assertThat(c.require("vllm")).isSameAs(mine);
    assertThat(c.require("vllm").kvUsageSpec()).isEmpty();
    assertThat(c.require("sglang").queuedRequestsSpec().orElseThrow().text()).isEqualTo("sglang:num_queue_reqs");
    assertThat(c.knownNames()).isEqualTo(KNOWN);
  }

  @Test
  void userReplacesBuiltInWithAliases_aliasesFollowTheReplacement() {
    EngineConfig mine = EngineConfig.builder("triton-tensorrt-llm").queuedRequestsSpec("q").build();
    ModelServerMetricsConfig c = ModelServerMetricsConfig.builder().addEngineConfig(mine).build();
    assertThat(c.require("trt-llm")).isSameAs(mine);
  }

  @Test
  void userConfigNamedLikeAnAlias_takesTheName() {
    EngineConfig triton = EngineConfig.builder("triton").queuedRequestsSpec("nv_inference_pending_request_count").build();
    ModelServerMetricsConfig c = ModelServerMetricsConfig.builder().addEngineConfig(triton).build();
    assertThat(c.require("triton")).isSameAs(triton);
    assertThat(c.require("trt-llm").name()).isEqualTo("triton-tensorrt-llm");
    assertThat(c.knownNames())
        .isEqualTo("sglang, triton, triton-tensorrt-llm, trt-llm, trtllm-serve, vllm");
  }

  @Test
  void customEngine_addedAndSelectable() {
    EngineConfig custom = EngineConfig.builder("my-engine").queuedRequestsSpec("q{a=b}").build();
    ModelServerMetricsConfig c =
        ModelServerMetricsConfig.builder().addEngineConfig(custom).defaultEngine("my-engine").build();
    assertThat(c.defaultEngineConfig()).isSameAs(custom);
    assertThat(c.knownNames()).isEqualTo("my-engine, " + KNOWN);
  }

  @Test
  void duplicateUserConfig_errorNamesTheIndex() {
    assertThatThrownBy(
            () ->
                ModelServerMetricsConfig.builder()
                    .addEngineConfig(EngineConfig.builder("a").build())
                    .addEngineConfig(EngineConfig.builder("a").build())
                    .build())
        .isInstanceOf(EngineConfigException.class)
        .hasMessage("engineConfigs[1].name: duplicate engine name \"a\"");
  }

  @Test
  void legacyFlags_replaceTheDefaultEnginesSpecsAndDropFallbacks() {
    ModelServerMetricsConfig c =
        ModelServerMetricsConfig.builder()
            .legacyQueuedRequestsMetric(MetricSpec.parseOptional("my_queue"))
            .legacyKvCacheUsageMetric(MetricSpec.parseOptional("my_kv"))
            .legacyLoraInfoMetric(Optional.empty())
            .build();
    EngineConfig v = c.require("vllm");
    assertThat(v.queuedRequestsSpec().orElseThrow().text()).isEqualTo("my_queue");
    assertThat(v.kvUsageSpec().orElseThrow().text()).isEqualTo("my_kv");
    assertThat(v.kvUsageFallbackSpec()).isEmpty();
    assertThat(v.loraSpec()).isEmpty();
    assertThat(v.runningRequestsSpec().orElseThrow().text()).isEqualTo("vllm:num_requests_running");
    assertThat(c.require("sglang")).isEqualTo(BuiltInEngines.all().get(1));
  }

  @Test
  void legacyFlags_applyToANonVllmDefaultEngine() {
    ModelServerMetricsConfig c =
        ModelServerMetricsConfig.builder()
            .defaultEngine("trt-llm")
            .legacyKvCacheUsageMetric(MetricSpec.parseOptional("kv"))
            .build();
    EngineConfig t = c.require("triton-tensorrt-llm");
    assertThat(t.kvUsageSpec().orElseThrow().text()).isEqualTo("kv");
    assertThat(t.kvUsedBlocksSpec()).isEmpty();
    assertThat(c.require("trt-llm")).isSameAs(t);
  }
}
