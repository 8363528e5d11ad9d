package dev.loadfuse.common.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.common.settings.SettingsReader.Format;
import dev.loadfuse.common.testing.LargeFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsReaderTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = " => ", textBlock = """
      a: 1\\na: 2                => t.yaml: duplicate key "a" (line 2)
      p: {x: 1, x: 2}            => t.yaml: p: duplicate key "x" (line 1)
      a: [1\\nb: 2               => t.yaml: invalid YAML (line 2, column 2): while parsing a flow sequence: expected ',' or ']', but got :
      a: 1\\n---\\nb: 2          => t.yaml: more than one document (line 3, column 1) (expected: exactly one)
      """)
  void syntaxProblems_nameTheLine(String text, String message) {
    assertThatThrownBy(() -> SettingsReader.strict().parse("t.yaml", text.replace("\\n", "\n"), Format.YAML))
        .isInstanceOf(SettingsException.class).hasMessageStartingWith(message);
  }

  @Test
  void json_isReadStrictlyToo() {
    assertThatThrownBy(() -> SettingsReader.strict().parse("t.json", "{\"a\": 1, \"a\": 2}", Format.JSON))
        .hasMessage("t.json: duplicate key \"a\" (line 1)");
    assertThatThrownBy(() -> SettingsReader.strict().parse("t.json", "{\"a\": ", Format.JSON))
        .hasMessageStartingWith("t.json: invalid JSON (line 1, column 7): ");
  }

  @Test
  void emptyText_isAMissingRoot_andSeveralDocumentsAreReadByParseAll() {
    assertThat(SettingsReader.strict().parse("t.yaml", "# nothing\n", Format.YAML).isMissing()).isTrue();
    var docs = SettingsReader.strict().parseAll("t.yaml", "a: 1\n---\n---\nb: 2\n");
    assertThat(docs).hasSize(2);
    assertThat(docs.get(1).integer("b", 0, 0, 9)).isEqualTo(2);
  }

  @Test
  void files_areBoundedAndNamed(@TempDir Path dir) throws Exception {
    Path big = Files.writeString(dir.resolve("big.yaml"), "a: " + "x".repeat(100) + "\n");
    assertThatThrownBy(() -> SettingsReader.strict().limit(50, "a test file").read(big))
        .hasMessage(big + ": 104 bytes, larger than the 50 bytes limit for a test file");
    assertThatThrownBy(() -> SettingsReader.strict().read(LargeFiles.sparse(dir.resolve("huge.yaml"), 100L << 20)))
        .hasMessage(dir.resolve("huge.yaml") + ": 104857600 bytes, larger than the 1 MiB limit for a settings file");
    assertThatThrownBy(() -> SettingsReader.strict().read(dir.resolve("none.yaml")))
        .hasMessage(dir.resolve("none.yaml") + ": cannot read: no such file");
    Path json = Files.writeString(dir.resolve("s.JSON"), "{\"a\": [1, 2]}");
    assertThat(SettingsReader.strict().read(json).get("a").get(1).asInt(0, 9)).isEqualTo(2);
  }
}
