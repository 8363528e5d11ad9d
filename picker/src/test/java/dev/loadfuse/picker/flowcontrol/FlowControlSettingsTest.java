package dev.loadfuse.picker.flowcontrol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Band;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Dialect;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The {@code flowControl} section read as each reference reads it, and refused with a path when wrong. */
class FlowControlSettingsTest {

  private static final String GIE = "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n";

  private static PickerConfig config(String yaml) {
    return new ConfigLoader(InTreePlugins.registry()).load(GIE + yaml, "test.yaml");
  }

  private static FlowControlSettings settings(String yaml) {
    return FlowControlSettings.of(config(yaml), name -> null);
  }

  @Test
  void withoutTheFeatureGate_flowControlIsOff_andTheSectionIgnored() {
    assertThat(settings("flowControl: {maxRequests: 5}\n")).isNull();
    assertThat(FlowControlSettings.of(config(""), name -> "true")).isNotNull(); // the deprecated env switch
    assertThat(FlowControlSettings.of(config(""), name -> "false")).isNull();
  }

  @Test
  void theGuidesExample_gie() {
    FlowControlSettings s = settings("""
        featureGates: ["flowControl"]
        flowControl:
          maxBytes: 1000000000
          defaultRequestTTL: 30s
          priorityBands:
            - priority: 100
              maxBytes: 500000000
              fairnessPolicyRef: "global-strict-fairness-policy"
              orderingPolicyRef: "fcfs-ordering-policy"
        """);
    assertThat(s.dialect()).isEqualTo(Dialect.GIE);
    assertThat(s.maxBytes()).isEqualTo(1_000_000_000L);
    assertThat(s.maxRequests()).isZero();
    assertThat(s.requestTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(s.bandFor(100)).isEqualTo(new Band(100, 500_000_000L, 0, Fairness.GLOBAL_STRICT, Ordering.FCFS));
    assertThat(s.bandFor(7)).isEqualTo(new Band(7, 1_000_000_000L, 0, Fairness.GLOBAL_STRICT, Ordering.FCFS));
    assertThat(s.usageLimit()).isEqualTo(1.0);
  }

  @Test
  void defaults_gieWaitsWithoutTtl_routerSixtySeconds() {
    assertThat(settings("featureGates: [flowControl]\n").requestTtl()).isZero();
    PickerConfig router = new ConfigLoader(InTreePlugins.registry()).load(
        "apiVersion: llm-d.ai/v1alpha1\nkind: EndpointPickerConfig\nfeatureGates: [flowControl]\n", "r.yaml");
    FlowControlSettings s = FlowControlSettings.of(router, n -> null);
    assertThat(s.dialect()).isEqualTo(Dialect.ROUTER);
    assertThat(s.requestTtl()).isEqualTo(Duration.ofSeconds(60));
    assertThat(s.noEndpointRequestTtl()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void quantitiesAndDurations_asKubernetesAndGoWriteThem() {
    FlowControlSettings s = settings("""
        featureGates: [flowControl]
        flowControl:
          maxBytes: 1G
          maxRequests: "5k"
          defaultRequestTTL: 1m30s
          defaultPriorityBand: {maxBytes: 500Mi, maxRequests: 2000, fairnessPolicyRef: round-robin-fairness-policy}
        """);
    assertThat(s.maxBytes()).isEqualTo(1_000_000_000L);
    assertThat(s.maxRequests()).isEqualTo(5000);
    assertThat(s.requestTtl()).isEqualTo(Duration.ofSeconds(90));
    assertThat(s.bandFor(-3)).isEqualTo(new Band(-3, 500L << 20, 2000, Fairness.ROUND_ROBIN, Ordering.FCFS));
    assertThat(settings("featureGates: [flowControl]\nflowControl: {defaultRequestTTL: 0s}\n").requestTtl()).isZero();
  }

  @Test
  void policyRefs_nameDeclaredPlugins_orTheTypesThemselves() {
    FlowControlSettings s = settings("""
        featureGates: [flowControl]
        plugins:
          - {name: fair, type: round-robin-fairness-policy}
          - {name: deadline, type: slo-deadline-ordering-policy}
          - {name: limit, type: static-usage-limit-policy, parameters: {threshold: 0.8}}
        flowControl:
          usageLimitPolicyPluginRef: limit
          priorityBands:
            - {priority: 1, fairnessPolicyRef: fair, orderingPolicyRef: deadline}
            - {priority: 2, orderingPolicyRef: edf-ordering-policy}
        """);
    assertThat(s.bandFor(1).fairness()).isEqualTo(Fairness.ROUND_ROBIN);
    assertThat(s.bandFor(1).ordering()).isEqualTo(Ordering.SLO_DEADLINE);
    assertThat(s.bandFor(2).ordering()).isEqualTo(Ordering.EDF);
    assertThat(s.usageLimit()).isEqualTo(0.8);
  }

  @Test
  void routerKeys_negativeTemplate_noEndpointTtl_detectorRef() {
    PickerConfig router = new ConfigLoader(InTreePlugins.registry()).load("""
        apiVersion: llm-d.ai/v1alpha1
        kind: EndpointPickerConfig
        featureGates: [flowControl]
        plugins:
          - {type: concurrency-detector}
        flowControl:
          noEndpointRequestTTL: 5s
          defaultNegativePriorityBand: {maxRequests: 10}
          saturationDetector: {pluginRef: concurrency-detector}
          enableEviction: false
        """, "r.yaml");
    FlowControlSettings s = FlowControlSettings.of(router, n -> null);
    assertThat(s.noEndpointRequestTtl()).isEqualTo(Duration.ofSeconds(5));
    assertThat(s.bandFor(-1).maxRequests()).isEqualTo(10);
    assertThat(s.bandFor(0).maxRequests()).isZero();
    assertThat(s.saturationDetectorRef()).isEqualTo("concurrency-detector");
  }

  @Test
  void mistakes_areRefusedNamingThePath() {
    assertThatThrownBy(() -> settings("featureGates: [flowControl]\nflowControl: {maxRequest: 5}\n"))
        .hasMessageContaining("flowControl: unknown key \"maxRequest\"").hasMessageContaining("maxRequests");
    assertThatThrownBy(() -> settings("featureGates: [flowControl]\nflowControl: {noEndpointRequestTTL: 5s}\n"))
        .as("a router key in a GIE config").hasMessageContaining("unknown key \"noEndpointRequestTTL\"");
    assertThatThrownBy(() -> settings("featureGates: [flowControl]\nflowControl: {maxBytes: lots}\n"))
        .hasMessageContaining("flowControl.maxBytes").hasMessageContaining("expected: a quantity");
    assertThatThrownBy(() -> settings("featureGates: [flowControl]\nflowControl: {maxRequests: -1}\n"))
        .hasMessageContaining("flowControl.maxRequests");
    assertThatThrownBy(() -> settings("featureGates: [flowControl]\nflowControl: {defaultRequestTTL: soon}\n"))
        .hasMessageContaining("flowControl.defaultRequestTTL").hasMessageContaining("expected: a duration");
    assertThatThrownBy(() -> settings("featureGates: [flowControl]\nflowControl: {priorityBands: [{priority: 1}, {priority: 1}]}\n"))
        .hasMessageContaining("flowControl.priorityBands[1].priority").hasMessageContaining("listed twice");
    assertThatThrownBy(() -> settings("featureGates: [flowControl]\nflowControl: {priorityBands: [{maxRequests: 1}]}\n"))
        .hasMessageContaining("flowControl.priorityBands[0]").hasMessageContaining("priority");
    assertThatThrownBy(() -> settings("featureGates: [flowControl]\nflowControl: {priorityBands: [{priority: 1, fairnessPolicyRef: fifo}]}\n"))
        .hasMessageContaining("flowControl.priorityBands[0].fairnessPolicyRef")
        .hasMessageContaining("known: global-strict-fairness-policy, round-robin-fairness-policy");
    assertThatThrownBy(() -> settings("featureGates: [flowControl]\nflowControl: {usageLimitPolicyPluginRef: max-score-picker}\n"))
        .hasMessageContaining("flowControl.usageLimitPolicyPluginRef");
  }

  @Test
  void aNonIntegerQuantity_roundsUp_asKubernetesReadsIt() {
    assertThat(settings("featureGates: [flowControl]\nflowControl: {maxBytes: 1.5k}\n").maxBytes()).isEqualTo(1500);
    assertThat(settings("featureGates: [flowControl]\nflowControl: {maxRequests: 0.1}\n").maxRequests()).isEqualTo(1);
  }

  @Test
  void aConfigWithoutPolicyPlugins_stillLoadsThemByType() {
    PickerConfig c = config("plugins:\n  - {type: global-strict-fairness-policy}\n  - {type: fcfs-ordering-policy}\n");
    assertThat(c.plugin("global-strict-fairness-policy")).isInstanceOf(FlowPolicyPlugin.class);
  }

  @Test
  void anInvalidThreshold_isRefused() {
    assertThatThrownBy(() -> config("plugins:\n  - {type: static-usage-limit-policy, parameters: {threshold: 0}}\n"))
        .isInstanceOf(ConfigException.class).hasMessageContaining("threshold");
  }
}
