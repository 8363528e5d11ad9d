package dev.loadfuse.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** A fixture added without expected values fails here, not silently. */
class FixtureCoverageTest {

  @Test
  void everyFixture_hasExpectedEngineValues() {
    assertThat(FixtureExtractionTest.coveredFiles())
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(Fixtures.names());
  }

  @Test
  void everyFixture_hasExpectedParseCountsAndProbe() throws IOException {
    String table;
    try (InputStream in = FixtureCoverageTest.class.getResourceAsStream("/fixture-parse-table.csv")) {
      table = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(table.lines().skip(1).map(l -> l.substring(0, l.indexOf('|'))).toList())
        .doesNotHaveDuplicates()
        .containsExactlyInAnyOrderElementsOf(Fixtures.names());
  }

  @Test
  void fixturesCopied_withTheirSources() {
    assertThat(Fixtures.names()).hasSize(38);
    assertThat(Fixtures.dir().resolve("SOURCES.md")).exists();
  }
}
