package dev.loadfuse.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.engine.prometheus.ParseDiagnostics;
import dev.loadfuse.engine.prometheus.ParseError;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class EngineSampleTest {

  private static EngineSample sample(OptionalDouble waiting, OptionalDouble kv, OptionalLong blocks) {
    return new EngineSample(
        "vllm", waiting, OptionalDouble.empty(), kv, Optional.empty(), OptionalLong.empty(),
        blocks, List.of(), ParseDiagnostics.EMPTY);
  }

  @Test
  void kvOutsideUnitInterval_rejectedWithMessage() {
    assertThatThrownBy(() -> sample(OptionalDouble.empty(), OptionalDouble.of(1.3), OptionalLong.empty()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("kvCacheUsage: 1.3 (expected: [0, 1])");
    assertThatThrownBy(() -> sample(OptionalDouble.empty(), OptionalDouble.of(Double.NaN), OptionalLong.empty()))
        .hasMessage("kvCacheUsage: NaN (expected: [0, 1])");
  }

  @Test
  void negativeOrInfiniteCount_rejectedWithMessage() {
    assertThatThrownBy(() -> sample(OptionalDouble.of(-1), OptionalDouble.empty(), OptionalLong.empty()))
        .hasMessage("waitingRequests: -1.0 (expected: finite, >= 0)");
    assertThatThrownBy(
            () -> sample(OptionalDouble.of(Double.POSITIVE_INFINITY), OptionalDouble.empty(), OptionalLong.empty()))
        .hasMessage("waitingRequests: Infinity (expected: finite, >= 0)");
  }

  @Test
  void nonPositiveGeometry_rejectedWithMessage() {
    assertThatThrownBy(() -> sample(OptionalDouble.empty(), OptionalDouble.empty(), OptionalLong.of(0)))
        .hasMessage("numGpuBlocks: 0 (expected: > 0)");
  }

  @Test
  void blankEngine_rejected() {
    assertThatThrownBy(
            () -> new EngineSample(" ", OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
                Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), List.of(), ParseDiagnostics.EMPTY))
        .hasMessage("engine: \" \" (expected: non-blank)");
  }

  @Test
  void withCopies_changeOneField() {
    EngineSample s = sample(OptionalDouble.of(1), OptionalDouble.of(0.5), OptionalLong.empty());
    assertThat(s.withWaitingRequests(OptionalDouble.of(3)).waitingRequests()).hasValue(3);
    assertThat(s.withKvCacheUsage(OptionalDouble.empty()).kvCacheUsage()).isEmpty();
    assertThat(s.withRunningRequests(OptionalDouble.of(2)).runningRequests()).hasValue(2);
    assertThat(s.withRunningRequests(OptionalDouble.of(2)).kvCacheUsage()).hasValue(0.5);
  }

  @Test
  void diagnosticsAccessors_delegate() {
    ParseDiagnostics d = new ParseDiagnostics(10, 5, 1, Optional.of(new ParseError(3, "invalid value")));
    EngineSample s =
        new EngineSample("vllm", OptionalDouble.empty(), OptionalDouble.empty(), OptionalDouble.empty(),
            Optional.empty(), OptionalLong.empty(), OptionalLong.empty(), List.of(), d);
    assertThat(s.skippedLines()).isEqualTo(1);
    assertThat(s.firstError()).hasValue(new ParseError(3, "invalid value"));
  }

  @Test
  void inconsistentDiagnostics_rejectedWithMessage() {
    assertThatThrownBy(() -> new ParseDiagnostics(10, 5, 2, Optional.empty()))
        .hasMessage("firstError: absent (expected: present exactly when skippedLines > 0, skippedLines is 2)");
    assertThatThrownBy(() -> new ParseDiagnostics(1, 5, 0, Optional.empty()))
        .hasMessage("sampleCount: 5 (expected: [0, 1])");
    assertThatThrownBy(() -> new ParseError(0, "x")).hasMessage("line: 0 (expected: >= 1)");
  }

  @ParameterizedTest(name = "\"{0}\"")
  @CsvSource(
      delimiter = '|',
      value = {
        "''              | ''",
        "a               | a",
        "a,b             | a;b",
        "'adapter1, adapter2' | adapter1;adapter2",
        "' a ,, b ,'     | a;b",
      })
  void adapterList_splitTrimmedEmptiesDropped(String label, String expected) {
    List<String> want = expected.isEmpty() ? List.of() : List.of(expected.split(";"));
    assertThat(LoraInfo.parseAdapterList(label)).isEqualTo(want);
  }

  @Test
  void negativeMaxLora_rejected() {
    assertThatThrownBy(() -> new LoraInfo(List.of(), List.of(), OptionalInt.of(-1)))
        .hasMessage("maxLora: -1 (expected: >= 0)");
  }
}
