package dev.loadfuse.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class EndpointSetTest {

  private static Endpoint ep(String pool, String name) {
    return Endpoint.builder(name, "10.0.0.1", 8000, PoolRef.of("ns", pool)).build();
  }

  @Test
  void ordersByPoolThenName() {
    EndpointSet s = EndpointSet.of(ep("b", "x"), ep("a", "z"), ep("a", "y"));
    assertThat(s.stream().map(e -> e.pool().name() + "/" + e.name()))
        .containsExactly("a/y", "a/z", "b/x");
    assertThat(s).isEqualTo(EndpointSet.of(ep("a", "y"), ep("b", "x"), ep("a", "z")));
  }

  @Test
  void sameNameInTwoPools_allowed() {
    EndpointSet s = EndpointSet.of(ep("a", "pod-0"), ep("b", "pod-0"));
    assertThat(s.size()).isEqualTo(2);
    assertThat(s.byPool()).containsOnlyKeys(PoolRef.of("ns", "a"), PoolRef.of("ns", "b"));
    assertThat(s.find(PoolRef.of("ns", "b"), "pod-0")).isPresent();
    assertThat(s.find(PoolRef.of("ns", "c"), "pod-0")).isEmpty();
  }

  @Test
  void duplicateNameInOnePool_rejected() {
    assertThatThrownBy(() -> EndpointSet.of(ep("a", "pod-0"), ep("a", "pod-0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("endpoints: duplicate name \"pod-0\" in pool ns/a");
  }

  @Test
  void map_returnsSameInstanceWhenNothingChanged() {
    EndpointSet s = EndpointSet.of(ep("a", "x"));
    assertThat(s.map(e -> e)).isSameAs(s);
    assertThat(s.map(e -> e.withGpus(List.of("GPU-1"))).endpoints().getFirst().gpus())
        .containsExactly("GPU-1");
  }
}
