package dev.loadfuse.picker.plugins.scorer.contextlength;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.picker.testing.TestEndpoints;
import java.util.Arrays;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ContextLengthAwareTest {

  private static final String LABEL = ContextLengthAware.DEFAULT_LABEL;

  /** A cycle whose request is estimated at {@code tokens} prompt tokens (4 body bytes each). */
  private static SchedulingCycle cycleOf(long tokens) {
    SchedulingRequest r = new SchedulingRequest("r", "m", "m", 0, null, Map.of(), tokens * 4);
    return new SchedulingCycle(r, TestEndpoints.NOW, new SplittableRandom(1));
  }

  /** One view per label value; null: no label. */
  private static EndpointView[] pods(String... ranges) {
    return TestEndpoints.views(java.util.stream.IntStream.range(0, ranges.length)
        .mapToObj(i -> TestEndpoints.withLabels(i, ranges[i] == null ? Map.of() : Map.of(LABEL, ranges[i])))
        .toArray(dev.loadfuse.picker.datastore.EndpointState[]::new));
  }

  static Stream<Arguments> scores() {
    return Stream.of(
        // the router's TestContextLengthAwareScore (length 0): tight > wide > out of range; unlabelled 0.5
        Arguments.of("reference: tight in range", "0-20", 0, 0.9990219560878242),
        Arguments.of("reference: wide in range", "0-10000", 0, 0.755),
        Arguments.of("reference: out of range", "500-1000", 0, 0.2),
        Arguments.of("reference: no label", null, 0, 0.5),
        Arguments.of("in range, half the headroom", "0-2048", 1024, 0.8117065073041168),
        Arguments.of("above the range, near", "2048-8192", 9000, 0.165929203539823),
        Arguments.of("above the range, far", "0-2048", 9000, 0.03772635814889336),
        Arguments.of("one-value range", "100-100", 100, 1.0),
        Arguments.of("at the top of the range", "0-10000", 10000, 0.545),
        Arguments.of("blanks around the numbers", " 0 - 20 ", 0, 0.9990219560878242),
        // the router's parseContextRange errors score 0
        Arguments.of("reference: empty", "", 0, 0.0),
        Arguments.of("reference: three parts", "0-100-200", 0, 0.0),
        Arguments.of("reference: min above max", "100-50", 0, 0.0),
        Arguments.of("reference: not a number", "abc-100", 0, 0.0),
        Arguments.of("no dash", "2048", 0, 0.0),
        Arguments.of("too many digits", "0-9999999999999999999999", 0, 0.0));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scores")
  void scores(String name, String range, long tokens, double expected) {
    double[] out = new double[1];
    new ContextLengthAware("c", LABEL, false).score(cycleOf(tokens), pods(range), 1, out);
    assertThat(out[0]).isCloseTo(expected, within(1e-12));
  }

  static Stream<Arguments> filters() {
    return Stream.of(
        // the router's TestContextLengthAwareFilter (length 0)
        Arguments.of("reference: in range or unlabelled", true, 0,
            new String[] {"0-100", "100-500", "0-2000", null}, new int[] {0, 2, 3}),
        // the router's tokenized-prompt case: only the range that holds the length
        Arguments.of("reference: tight match only", true, 40, new String[] {"0-50", "140-240"}, new int[] {0}),
        Arguments.of("malformed labels are removed", true, 10, new String[] {"x-y", "0-10"}, new int[] {1}),
        Arguments.of("filtering off keeps all", false, 5000, new String[] {"0-100", "bad"}, new int[] {0, 1}),
        Arguments.of("nothing fits", true, 5000, new String[] {"0-100"}, new int[] {}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("filters")
  void filters(String name, boolean enableFiltering, long tokens, String[] ranges, int[] kept) {
    EndpointView[] eps = pods(ranges);
    EndpointView[] all = eps.clone();
    int n = new ContextLengthAware("c", LABEL, enableFiltering).filter(cycleOf(tokens), eps, eps.length);
    assertThat(Arrays.copyOf(eps, n)).containsExactly(Arrays.stream(kept).mapToObj(i -> all[i]).toArray(EndpointView[]::new));
  }
}
