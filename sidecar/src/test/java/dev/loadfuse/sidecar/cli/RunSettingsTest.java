package dev.loadfuse.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.common.testing.LayeredSetting;
import dev.loadfuse.sidecar.SidecarOptions;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Where {@code sidecar.jar run} takes each setting from: settings file &lt; LOADFUSE_* environment &lt; flags. */
class RunSettingsTest {

  @TempDir Path dir;

  private SidecarOptions options(Map<String, String> env, String... args) {
    picocli.CommandLine cli = SidecarMain.commandLine(new PrintWriter(new StringWriter()), new PrintWriter(new StringWriter()));
    List<String> all = new ArrayList<>(List.of("run"));
    all.addAll(List.of(args));
    cli.parseArgs(all.toArray(String[]::new));
    RunCommand run = cli.getSubcommands().get("run").getCommand();
    run.environment = env;
    return run.options();
  }

  @ParameterizedTest
  @MethodSource("dev.loadfuse.common.testing.LayeredSetting#all")
  void httpPort_fileThenEnvironmentThenFlag(LayeredSetting s) throws Exception {
    String[] args = s.args(List.of("--endpoints-file", "e.yaml"), "--config-file", dir.resolve("s.yaml"), "httpPort",
        "--http-port");
    assertThat(options(s.environment("LOADFUSE_HTTP_PORT"), args).getHttpPort())
        .isEqualTo(s.expected(SidecarOptions.DEFAULT_HTTP_PORT));
  }

  @Test
  void everyKindOfSetting_fromEachSource() throws Exception {
    Path file = Files.writeString(dir.resolve("s.yaml"), """
        endpointsFile: from-file.yaml
        scrapeInterval: 10ms
        clusterMembers: [a:1]
        """);
    SidecarOptions o = options(Map.of("LOADFUSE_SCRAPE_INTERVAL", "20ms", "LOADFUSE_CLUSTER_MEMBERS", "b:2,c:3",
        "NODE_NAME", "node-a", "LOADFUSE_GPU_SAMPLE_INTERVAL", "1s"),
        "--config-file", file.toString(), "--scrape-interval", "30ms", "--mock-gpus", "g.yaml");
    assertThat(o.getEndpointsFile()).isEqualTo("from-file.yaml");
    assertThat(o.getScrapeInterval()).isEqualTo(Duration.ofMillis(30));
    assertThat(o.getClusterSettings().members()).containsExactly("b:2", "c:3");
    assertThat(o.isCluster()).isTrue();
    assertThat(o.getNodeName()).isEqualTo("node-a");
    assertThat(o.getGpuSampleInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(o.getMockGpus()).isEqualTo("g.yaml");
    // Flags not given keep out of it: their defaults do not override the file or the environment.
    assertThat(o.getHttpPort()).isEqualTo(SidecarOptions.DEFAULT_HTTP_PORT);
  }

  @Test
  void aProblem_namesTheSourceItCameFrom() throws Exception {
    Path file = Files.writeString(dir.resolve("s.yaml"), "httpPort: 70000\n");
    assertThatThrownBy(() -> options(Map.of(), "--endpoints-file", "e", "--config-file", file.toString()))
        .hasMessage(file + ": httpPort: 70000 (expected: [0, 65535])");
    assertThatThrownBy(() -> options(Map.of("LOADFUSE_HTTP_PORT", "x"), "--endpoints-file", "e"))
        .hasMessage("LOADFUSE_HTTP_PORT: \"x\" (expected: an integer)");
    assertThatThrownBy(() -> options(Map.of(), "--endpoints-file", "e", "--http-port", "70000"))
        .hasMessage("--http-port: 70000 (expected: [0, 65535])");
  }
}
