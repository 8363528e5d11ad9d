package dev.loadfuse.picker.plugins.filter.bylabel;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ByLabelFilterTest {

  // endpoint 0: role=decode, 1: role=prefill, 2: no label
  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("one value", List.of("decode"), false, new int[] {0}),
        Arguments.of("two values", List.of("decode", "prefill"), false, new int[] {0, 1}),
        Arguments.of("no label allowed", List.of("prefill"), true, new int[] {1, 2}),
        Arguments.of("nothing matches", List.of("other"), false, new int[] {}),
        Arguments.of("only unlabelled", List.of(), true, new int[] {2}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void keepsMatchingEndpointsInOrder(String name, List<String> values, boolean allowsNoLabel, int[] kept) {
    EndpointView[] eps = TestEndpoints.views(
        TestEndpoints.withLabels(0, Map.of("role", "decode")),
        TestEndpoints.withLabels(1, Map.of("role", "prefill")),
        TestEndpoints.withLabels(2, Map.of()));
    EndpointView[] all = eps.clone();
    int n = new ByLabelFilter("f", "role", values, allowsNoLabel).filter(cycle(), eps, 3);
    EndpointView[] expected = Arrays.stream(kept).mapToObj(i -> all[i]).toArray(EndpointView[]::new);
    assertThat(Arrays.copyOf(eps, n)).containsExactly(expected);
  }
}
