package dev.loadfuse.common.settings;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.common.testing.LayeredSetting;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

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
  @ParameterizedTest
  @MethodSource("dev.loadfuse.common.testing.LayeredSetting#all")
  void precedence_fileThenEnvironmentThenFlags(LayeredSetting s, @TempDir Path dir) throws Exception {
    SettingsNode stack = SettingsSources.stack(s.writeFile(dir.resolve("s.yaml"), "httpPort"),
        SettingsSources.environment(s.environment("LOADFUSE_HTTP_PORT"), List.of("httpPort"), Map.of()),
        SettingsSources.flags(s.flag() == null ? Map.of() : Map.of("httpPort", s.flag())));
    assertThat(stack.integer("httpPort", 9400, 0, 65535)).isEqualTo(s.expected(9400));
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
