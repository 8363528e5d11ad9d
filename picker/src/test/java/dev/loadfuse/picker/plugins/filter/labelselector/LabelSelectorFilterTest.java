package dev.loadfuse.picker.plugins.filter.labelselector;

import static dev.loadfuse.picker.testing.TestEndpoints.cycle;
import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LabelSelectorFilterTest {

  // endpoint 0: role=decode, 1: role=prefill, 2: no label
  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("{matchLabels: {role: decode}}", new int[] {0}),
        Arguments.of("{matchExpressions: [{key: role, operator: In, values: [decode, prefill]}]}", new int[] {0, 1}),
        Arguments.of("{matchExpressions: [{key: role, operator: NotIn, values: [decode]}]}", new int[] {1, 2}),
        Arguments.of("{matchExpressions: [{key: role, operator: Exists}]}", new int[] {0, 1}),
        Arguments.of("{matchExpressions: [{key: role, operator: DoesNotExist}]}", new int[] {2}),
        Arguments.of("{matchLabels: {role: decode}, matchExpressions: [{key: role, operator: In, values: [prefill]}]}",
            new int[] {}),
        Arguments.of("{}", new int[] {0, 1, 2}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void keepsEndpointsTheSelectorMatches_inOrder(String parameters, int[] kept) {
    Filter f = (Filter) new ConfigLoader(InTreePlugins.registry()).load("""
        apiVersion: llm-d.ai/v1alpha1
        kind: EndpointPickerConfig
        plugins:
        - {type: label-selector-filter, parameters: %s}
        """.formatted(parameters), "t.yaml").profiles().getFirst().filters().getFirst();
    EndpointView[] eps = TestEndpoints.views(
        TestEndpoints.withLabels(0, Map.of("role", "decode")),
        TestEndpoints.withLabels(1, Map.of("role", "prefill")),
        TestEndpoints.withLabels(2, Map.of()));
    EndpointView[] all = eps.clone();
    int n = f.filter(cycle(), eps, 3);
    assertThat(Arrays.copyOf(eps, n)).containsExactly(Arrays.stream(kept).mapToObj(i -> all[i]).toArray(EndpointView[]::new));
  }
}
