package dev.loadfuse.engine.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WantedNamesTest {

  @Test
  void duplicates_droppedFirstSeenOrderKept() {
    WantedNames w = WantedNames.of("b", "a", "b");
    assertThat(w.size()).isEqualTo(2);
    assertThat(w.name(0)).isEqualTo("b");
    assertThat(w.indexOf("a")).isEqualTo(1);
    assertThat(w.indexOf("c")).isEqualTo(-1);
    assertThat(w.indexOf("a_total")).isEqualTo(-1);
  }

  @Test
  void manyNames_allFound() {
    List<String> names = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      names.add("vllm:metric_" + i);
    }
    WantedNames w = WantedNames.of(names);
    for (int i = 0; i < 500; i++) {
      assertThat(w.indexOf("vllm:metric_" + i)).isEqualTo(i);
    }
    assertThat(w.indexOf("vllm:metric_500")).isEqualTo(-1);
  }

  @Test
  void emptyName_rejected() {
    assertThatThrownBy(() -> WantedNames.of(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("name: \"\" (expected: non-empty)");
  }
}
