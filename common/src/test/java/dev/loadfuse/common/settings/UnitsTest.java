package dev.loadfuse.common.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UnitsTest {

  @ParameterizedTest
  @CsvSource({"250us, 250000, 250us", "50ms, 50000000, 50ms", "1.5s, 1500000000, 1500ms", "2m, 120000000000, 2m",
      "1h, 3600000000000, 1h", "90s, 90000000000, 90s"})
  void durations_parseAndFormatBack(String text, long nanos, String formatted) {
    assertThat(Durations.parse("x", text)).isEqualTo(Duration.ofNanos(nanos));
    assertThat(Durations.format(Duration.ofNanos(nanos))).isEqualTo(formatted);
  }

  @ParameterizedTest
  @CsvSource({"fast", "50", "ms", "5 parsecs"})
  void durations_badText_namesWhatAndTheText(String text) {
    assertThatThrownBy(() -> Durations.parse("--every", text))
        .hasMessage("--every: \"" + text + "\" (expected: a number and a unit: ns, us, ms, s, m or h, e.g. 50ms)");
  }

  @ParameterizedTest
  @CsvSource({"1000, 1000, 1000", "16Mi, 16777216, 16Mi", "512KiB, 524288, 512Ki", "1Gi, 1073741824, 1Gi",
      "33554432, 33554432, 32Mi"})
  void byteSizes_parseAndFormatBack(String text, long bytes, String formatted) {
    assertThat(ByteSizes.parse(text)).isEqualTo(bytes);
    assertThat(ByteSizes.format(bytes)).isEqualTo(formatted);
  }

  @ParameterizedTest
  @CsvSource({"16MB", "Mi", "-1", "99999999999Gi"})
  void byteSizes_badText_isRefused(String text) {
    assertThatThrownBy(() -> ByteSizes.parse(text)).isInstanceOf(IllegalArgumentException.class);
  }
}
