package dev.loadfuse.picker.scheduling.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.plugins.InTreePlugins;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every standalone EndpointPickerConfig the references ship (GIE v1.5.0, llm-d router v0.10.0;
 * {@code reference-configs/SOURCE.md}): what the reference loads, loadfuse loads, unless it needs a
 * plugin loadfuse does not implement, which is refused saying so; what the reference refuses,
 * loadfuse refuses.
 */
class ReferenceConfigSamplesTest {

  private static final String DIR = "/reference-configs/";
  private final ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());

  static Stream<Arguments> samples() throws IOException {
    List<Arguments> out = new ArrayList<>();
    for (String line : read("manifest.tsv").split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] c = line.split("\t", -1);
      out.add(Arguments.of(c[0], c[1], c[2]));
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{1}: {0}")
  @MethodSource("samples")
  void sample_isTreatedAsTheReferenceTreatsIt(String file, String expected, String reference) throws IOException {
    String text = read(file);
    switch (expected) {
      case "load" -> assertThat(loader.load(text, file).profiles()).as("reference: " + reference).isNotEmpty();
      case "refuse" -> assertThatThrownBy(() -> loader.load(text, file)).as("reference: " + reference)
          .isInstanceOf(ConfigException.class).hasMessageStartingWith(file + ": ");
      case "unsupported" -> assertThatThrownBy(() -> loader.load(text, file)).as("reference: " + reference)
          .isInstanceOf(ConfigException.class).hasMessageStartingWith(file + ": ")
          .hasMessageContaining("loadfuse does not implement");
      default -> throw new AssertionError(file + ": unknown expectation " + expected);
    }
  }

  @Test
  void manifest_coversTheSamples_andTheReferencesDefaultsAndChartsLoad() throws IOException {
    List<String> load = samples().filter(a -> a.get()[1].equals("load")).map(a -> (String) a.get()[0]).toList();
    assertThat(samples().count()).isEqualTo(111);
    assertThat(load).contains(
        "gie__pkg__epp__config__loader__defaults.go__loadDefaultConfig.yaml",
        "router__pkg__epp__config__loader__defaults.go__loadDefaultConfig.yaml",
        "gie__config__charts__epplib__templates___config.yaml__rendered-default.yaml",
        "router__config__charts__routerlib__templates___config.yaml__rendered-default.yaml");
  }

  @Test
  void disaggregationAndLatencyPredictorSamples_areRefusedNamingWhatIsMissing() throws IOException {
    assertThatThrownBy(() -> loader.load(read("router__deploy__config__pd-epp-config.yaml"), "pd.yaml"))
        .hasMessageContaining("(P/D)").hasMessageContaining("loadfuse does not implement disaggregated serving");
    String latency = "gie__config__charts__epplib__templates___config.yaml__rendered-latency-predictor.yaml";
    assertThatThrownBy(() -> loader.load(read(latency), "lp.yaml"))
        .hasMessageContaining("latency predictor").hasMessageContaining("loadfuse does not implement it");
  }

  private static String read(String name) throws IOException {
    try (InputStream in = ReferenceConfigSamplesTest.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new IOException(DIR + name + ": not on the test class path");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
