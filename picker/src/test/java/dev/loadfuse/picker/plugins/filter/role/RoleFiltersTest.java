package dev.loadfuse.picker.plugins.filter.role;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.plugins.filter.bylabel.ByLabelFilter;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RoleFiltersTest {

  /** One pod per role value the router knows, one with an unknown role, one without the label. */
  private static final List<String> ROLES = java.util.Arrays.asList("decode", "prefill", "encode", "prefill-decode",
      "encode-prefill", "encode-prefill-decode", "both", "other", null);

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of(RoleFilters.DECODE, (Function<String, ByLabelFilter>) RoleFilters::decode,
            List.of("decode", "prefill-decode", "encode-prefill-decode", "both", "(none)")),
        Arguments.of(RoleFilters.PREFILL, (Function<String, ByLabelFilter>) RoleFilters::prefill,
            List.of("prefill", "prefill-decode", "encode-prefill", "encode-prefill-decode", "both")),
        Arguments.of(RoleFilters.ENCODE, (Function<String, ByLabelFilter>) RoleFilters::encode,
            List.of("encode", "encode-prefill", "encode-prefill-decode")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void keepsThePodsOfItsRole(String type, Function<String, ByLabelFilter> make, List<String> expected) {
    EndpointState[] states = new EndpointState[ROLES.size()];
    for (int i = 0; i < states.length; i++) {
      String role = ROLES.get(i);
      states[i] = TestEndpoints.withLabels(i, role == null ? Map.of() : Map.of(RoleFilters.ROLE_LABEL, role));
    }
    EndpointView[] eps = TestEndpoints.views(states);
    ByLabelFilter f = make.apply("f");
    int n = f.filter(TestEndpoints.cycle(), eps, eps.length);
    List<String> kept = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      kept.add(eps[i].labels().getOrDefault(RoleFilters.ROLE_LABEL, "(none)"));
    }
    assertThat(kept).containsExactlyInAnyOrderElementsOf(expected);
    assertThat(f.typedName().type()).isEqualTo(type);
  }
}
