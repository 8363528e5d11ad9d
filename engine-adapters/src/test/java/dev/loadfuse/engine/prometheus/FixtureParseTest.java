package dev.loadfuse.engine.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.engine.Fixtures;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/**
 * Every fixture parsed with all samples materialised: line, sample and skipped counts, the first
 * error's line, and one probe per file (the sum and count of a metric's series, optionally
 * filtered by one label) that pins a quirk of that file.
 */
class FixtureParseTest {

  /** The table, also read by {@link dev.loadfuse.engine.FixtureCoverageTest}. */
  static final String TABLE = "/fixture-parse-table.csv";

  @ParameterizedTest(name = "{0}")
  @CsvFileSource(resources = TABLE, delimiter = '|', numLinesToSkip = 1, quoteCharacter = '`')
  void fixture_parsesWithExpectedCountsAndValues(
      String file,
      int lines,
      int samples,
      int skipped,
      int firstErrorLine,
      String probeName,
      String probeLabel,
      int probeSeries,
      double probeSum) {
    ParsedPage page = PrometheusTextParser.parseAll(Fixtures.bytes(file));
    ParseDiagnostics d = page.diagnostics();
    assertThat(d.lineCount()).as("lines").isEqualTo(lines);
    assertThat(d.sampleCount()).as("samples").isEqualTo(samples);
    assertThat(page.samples()).hasSize(samples);
    assertThat(d.skippedLines()).as("skipped").isEqualTo(skipped);
    if (firstErrorLine == 0) {
      assertThat(d.firstError()).isEmpty();
    } else {
      assertThat(d.firstError()).hasValueSatisfying(e -> assertThat(e.line()).isEqualTo(firstErrorLine));
    }
    List<ParsedSample> probed =
        page.named(probeName).stream()
            .filter(
                s -> {
                  if (probeLabel == null) {
                    return true;
                  }
                  String[] kv = probeLabel.split("=", 2);
                  return kv[1].equals(s.labels().get(kv[0]));
                })
            .toList();
    assertThat(probed).as("series of %s %s", probeName, probeLabel).hasSize(probeSeries);
    double sum = probed.stream().mapToDouble(ParsedSample::value).sum();
    assertThat(sum).isCloseTo(probeSum, within(Math.abs(probeSum) * 1e-15));
  }
}
