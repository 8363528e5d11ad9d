package dev.loadfuse.picker.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.common.testing.LayeredSetting;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.picker.server.PickerOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Where {@code picker.jar} takes each setting from: --options-file &lt; LOADFUSE_* environment &lt; flags. */
class PickerSettingsSourcesTest {

  @TempDir Path dir;

  @ParameterizedTest
  @MethodSource("dev.loadfuse.common.testing.LayeredSetting#all")
  void grpcPort_fileThenEnvironmentThenFlag(LayeredSetting s) throws Exception {
    String[] args = s.args(List.of("--endpoints-file", "e.yaml"), "--options-file", dir.resolve("p.yaml"), "grpcPort",
        "--grpc-port");
    assertThat(PickerMainTest.options(s.environment("LOADFUSE_GRPC_PORT"), args).getGrpcPort())
        .isEqualTo(s.expected(PickerOptions.DEFAULT_GRPC_PORT));
  }

  @Test
  void everyKindOfSetting_fromEachSource() throws Exception {
    Path file = Files.writeString(dir.resolve("p.json"), """
        {"endpointsFile": "from-file.yaml", "refreshMetricsInterval": "10ms", "secureServing": false,
         "maxBodyBytes": "1Mi", "mockGpus": "file-gpus.yaml"}
        """);
    PickerOptions o = PickerMainTest.options(Map.of("LOADFUSE_REFRESH_METRICS_INTERVAL", "20ms",
        "LOADFUSE_MAX_BODY_BYTES", "2Mi", "LOADFUSE_GPU_PROBE", "nvml-or-mock"),
        "--options-file", file.toString(), "--refresh-metrics-interval", "30ms", "--mock-gpus", "flag-gpus.yaml");
    assertThat(o.getEndpointsFile()).isEqualTo("from-file.yaml");
    assertThat(o.getRefreshMetricsInterval()).isEqualTo(Duration.ofMillis(30));
    assertThat(o.isSecureServing()).isFalse();
    assertThat(o.getMaxBodyBytes()).isEqualTo(2 << 20);
    assertThat(o.getGpuProbe()).isEqualTo(GpuProbeKind.NVML_OR_MOCK);
    assertThat(o.getMockGpus()).isEqualTo("flag-gpus.yaml");
    // A flag left out does not override: its default is the option's.
    assertThat(o.getGrpcPort()).isEqualTo(PickerOptions.DEFAULT_GRPC_PORT);
  }

  @Test
  void aProblem_namesTheSourceItCameFrom() throws Exception {
    Path file = Files.writeString(dir.resolve("p.yaml"), "grpcPort: 70000\n");
    assertThatThrownBy(() -> PickerMainTest.options(Map.of(), "--endpoints-file", "e", "--options-file", file.toString()))
        .hasMessage(file + ": grpcPort: 70000 (expected: [0, 65535])");
    Path unknown = Files.writeString(dir.resolve("u.yaml"), "grpc-port: 1\n");
    assertThatThrownBy(() -> PickerMainTest.options(Map.of(), "--endpoints-file", "e", "--options-file", unknown.toString()))
        .hasMessageStartingWith(unknown + ": unknown key \"grpc-port\" (known: grpcPort, ");
    assertThatThrownBy(() -> PickerMainTest.options(Map.of("LOADFUSE_SECURE_SERVING", "maybe"), "--endpoints-file", "e"))
        .hasMessage("LOADFUSE_SECURE_SERVING: \"maybe\" (expected: true or false)");
    assertThatThrownBy(() -> PickerMainTest.options(Map.of(), "--endpoints-file", "e", "--max-body-bytes", "lots"))
        .hasMessage("--max-body-bytes: \"lots\" (expected: a byte count such as 16777216 or 16Mi)");
  }
}
