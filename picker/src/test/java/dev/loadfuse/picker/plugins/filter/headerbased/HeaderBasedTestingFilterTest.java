package dev.loadfuse.picker.plugins.filter.headerbased;

import static org.assertj.core.api.Assertions.assertThat;

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

class HeaderBasedTestingFilterTest {

  // endpoints 10.0.0.1:8000, 10.0.0.2:8000, 10.0.0.3:8000; null header: none sent
  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("no header keeps nothing", null, new int[] {}),
        Arguments.of("blank header keeps nothing", "  ", new int[] {}),
        Arguments.of("bare IP", "10.0.0.2", new int[] {1}),
        Arguments.of("IP:port exact", "10.0.0.3:8000", new int[] {2}),
        Arguments.of("IP with another port keeps nothing", "10.0.0.3:9000", new int[] {}),
        Arguments.of("list with spaces and empty items", " 10.0.0.3 ,, 10.0.0.1:8000", new int[] {0, 2}),
        Arguments.of("duplicates count once", "10.0.0.1,10.0.0.1:8000", new int[] {0}),
        Arguments.of("unknown address keeps nothing", "192.168.1.1", new int[] {}),
        Arguments.of("bracketed IPv4 host", "[10.0.0.2]", new int[] {1}));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void keepsTheEndpointsTheHeaderNames(String name, String header, int[] kept) {
    EndpointView[] eps = TestEndpoints.views(TestEndpoints.queues(0, 0, 0));
    EndpointView[] work = eps.clone();
    Map<String, String> headers = header == null ? Map.of() : Map.of(HeaderBasedTestingFilter.HEADER, header);
    SchedulingCycle cycle = new SchedulingCycle(new SchedulingRequest("r", "", "", 0, null, headers, 0),
        TestEndpoints.NOW, new SplittableRandom(1));

    int n = new HeaderBasedTestingFilter("f").filter(cycle, work, 3);

    assertThat(Arrays.copyOf(work, n)).containsExactly(Arrays.stream(kept).mapToObj(i -> eps[i]).toArray(EndpointView[]::new));
  }
}
