package dev.loadfuse.common.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SettingsSourcesTest {

  @ParameterizedTest
  @CsvSource({"httpPort, LOADFUSE_HTTP_PORT, --http-port", "refreshMetricsInterval, LOADFUSE_REFRESH_METRICS_INTERVAL,"
      + " --refresh-metrics-interval", "cluster, LOADFUSE_CLUSTER, --cluster"})
  void names_ofOneSettingInEachSource(String key, String env, String flag) {
    assertThat(SettingsSources.envName(key)).isEqualTo(env);
    assertThat(SettingsSources.flagName(key)).isEqualTo(flag);
    assertThat(SettingsSources.keyOfFlag(flag)).isEqualTo(key);
  }

  /** Which layer wins for a key set in some of them: file < environment < flags. */
  @ParameterizedTest(name = "file={0} env={1} flag={2} -> {3}")
  @CsvSource(nullValues = "-", textBlock = """
      -, -, -, 9400
      1, -, -, 1
      -, 2, -, 2
      -, -, 3, 3
      1, 2, -, 2
      1, -, 3, 3
      -, 2, 3, 3
      1, 2, 3, 3
      """)
  void precedence_fileThenEnvironmentThenFlags(String file, String env, String flag, int expected, @TempDir Path dir)
      throws Exception {
    Path f = file == null ? null : Files.writeString(dir.resolve("s.yaml"), "httpPort: " + file + "\n");
    SettingsNode stack = SettingsSources.stack(f,
        SettingsSources.environment(env == null ? Map.of() : Map.of("LOADFUSE_HTTP_PORT", env), List.of("httpPort"), Map.of()),
        SettingsSources.flags(flag == null ? Map.of() : Map.of("httpPort", flag)));
    assertThat(stack.integer("httpPort", 9400, 0, 65535)).isEqualTo(expected);
  }

  @Test
  void environment_fallbackVariable_onlyWhenTheLoadfuseOneIsUnset() {
    Map<String, String> fallbacks = Map.of("nodeName", "NODE_NAME");
    SettingsNode both = SettingsSources.environment(Map.of("NODE_NAME", "a", "LOADFUSE_NODE_NAME", "b"),
        List.of("nodeName"), fallbacks);
    assertThat(both.string("nodeName", null)).isEqualTo("b");
    SettingsNode fallback = SettingsSources.environment(Map.of("NODE_NAME", "a", "LOADFUSE_NODE_NAME", " "),
        List.of("nodeName"), fallbacks);
    assertThat(fallback.string("nodeName", null)).isEqualTo("a");
    assertThat(fallback.get("nodeName").path()).isEqualTo("NODE_NAME");
  }
}
