package dev.loadfuse.picker.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class KubernetesOptionsTest {

  @Test
  void poolMode_andSelectorMode_describeThemselves() {
    KubernetesOptions pool = KubernetesOptions.pool("llm", "vllm-pool");
    assertThat(pool.selectorMode()).isFalse();
    assertThat(pool.poolRef()).hasToString("llm/vllm-pool");
    assertThat(pool.describe()).isEqualTo("InferencePool llm/vllm-pool");
    assertThat(pool.resyncPeriod()).isEqualTo(KubernetesOptions.DEFAULT_RESYNC_PERIOD);
    KubernetesOptions sel = KubernetesOptions.selector("llm", Map.of("app", "vllm"), List.of(8000));
    assertThat(sel.selectorMode()).isTrue();
    assertThat(sel.describe()).isEqualTo("pods of namespace llm with app=vllm on 8000");
  }

  @Test
  void badOptions_namedInTheMessage() {
    assertThatThrownBy(() -> KubernetesOptions.pool(" ", "p")).hasMessage("namespace: \" \" (expected: a namespace)");
    assertThatThrownBy(() -> KubernetesOptions.pool("llm", " ")).hasMessage("poolName: \" \" (expected: an InferencePool name)");
    assertThatThrownBy(() -> new KubernetesOptions("llm", "p", Map.of("a", "b"), List.of(1), null))
        .hasMessage("poolName and endpointSelector: give exactly one (pool mode or selector mode)");
    assertThatThrownBy(() -> new KubernetesOptions("llm", "p", null, List.of(1), null))
        .hasMessage("targetPorts: only in selector mode (the InferencePool gives its ports)");
    assertThatThrownBy(() -> KubernetesOptions.selector("llm", Map.of(), List.of(8000)))
        .hasMessage("selector: empty (expected: at least one label; an empty selector would select every pod)");
    assertThatThrownBy(() -> KubernetesOptions.pool("llm", "p").withResyncPeriod(Duration.ofMillis(500)))
        .hasMessage("resyncPeriod: PT0.5S (expected: >= PT1S)");
  }
}
