package dev.loadfuse.sidecar.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loadfuse.nvml.fake.FakeNvml;
import dev.loadfuse.nvml.fake.FakeNvmlFixture;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GpusCommandTest {

  /** What the fake NVML's documented default state prints (see fake_nvml.c). */
  static final String FAKE_LINE =
      "{\"driverVersion\":\"560.35.03\",\"gpus\":["
          + "{\"uuid\":\"GPU-00000000-1111-2222-3333-444444444444\",\"name\":\"Fake NVIDIA H100 80GB HBM3\",\"index\":0,"
          + "\"memoryTotalBytes\":85899345920,\"memoryUsedBytes\":21474836480,\"memoryFreeBytes\":63887638528,"
          + "\"memoryReservedBytes\":536870912,\"gpuUtilization\":0.75,\"memoryUtilization\":0.4,"
          + "\"powerWatts\":350.0,\"powerLimitWatts\":700.0,\"temperatureC\":65,\"throttleReasons\":[],"
          + "\"energyJoules\":123456.789,\"migEnabled\":false,\"lost\":false},"
          + "{\"uuid\":\"GPU-55555555-6666-7777-8888-999999999999\",\"name\":\"Fake NVIDIA L4\",\"index\":1,"
          + "\"memoryTotalBytes\":25769803776,\"memoryUsedBytes\":12884901888,\"memoryFreeBytes\":12616466432,"
          + "\"memoryReservedBytes\":268435456,\"gpuUtilization\":1.0,\"memoryUtilization\":0.05,"
          + "\"powerWatts\":70.25,\"powerLimitWatts\":72.0,\"temperatureC\":83,"
          + "\"throttleReasons\":[\"SwPowerCap\",\"SwThermalSlowdown\"],"
          + "\"energyJoules\":987654.321,\"migEnabled\":null,\"lost\":false}]}";

  private final StringWriter out = new StringWriter();
  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return SidecarMain.run(new PrintWriter(out), new PrintWriter(err), args);
  }

  private List<String> outLines() {
    return out.toString().lines().toList();
  }

  @Test
  void fakeLibrary_printsExactlyTheFakesValues() {
    FakeNvml fake = FakeNvmlFixture.fake();

    int exit = run("gpus", "--nvml-library", fake.library().toString(), "--samples", "2", "--interval-ms", "0");

    assertThat(err.toString()).isEmpty();
    assertThat(exit).isEqualTo(SidecarMain.EXIT_OK);
    assertThat(outLines()).containsExactly(FAKE_LINE, FAKE_LINE);
    assertThat(fake.initDepth()).as("NVML shut down on exit").isZero();
  }

  @Test
  void gpuLost_printedAsLostWithNullMeasurements() {
    FakeNvml fake = FakeNvmlFixture.fake().setDeviceCount(1).loseGpuAfter(0, 4, 15);

    int exit = run("gpus", "--nvml-library", fake.library().toString());

    assertThat(exit).isZero();
    assertThat(outLines()).containsExactly(
        "{\"driverVersion\":\"560.35.03\",\"gpus\":[{\"uuid\":\"GPU-00000000-1111-2222-3333-444444444444\","
            + "\"name\":\"Fake NVIDIA H100 80GB HBM3\",\"index\":0,\"memoryTotalBytes\":null,\"memoryUsedBytes\":null,"
            + "\"memoryFreeBytes\":null,\"memoryReservedBytes\":null,\"gpuUtilization\":null,\"memoryUtilization\":null,"
            + "\"powerWatts\":null,\"powerLimitWatts\":null,\"temperatureC\":null,\"throttleReasons\":null,"
            + "\"energyJoules\":null,\"migEnabled\":null,\"lost\":true}]}");
  }

  @Test
  void nvmlError_exit3WithTheTypedError() {
    FakeNvml fake = FakeNvmlFixture.fake().setReturn(0, "nvmlDeviceGetTemperature", 4);

    int exit = run("gpus", "--nvml-library", fake.library().toString());

    assertThat(exit).isEqualTo(SidecarMain.EXIT_UNAVAILABLE);
    assertThat(err.toString()).isEqualTo(
        "gpus: nvmlDeviceGetTemperature on GPU 0 (GPU-00000000-1111-2222-3333-444444444444) failed: "
            + "NVML_ERROR_NO_PERMISSION (4): Insufficient Permissions\n");
  }

  @Test
  void mockFile_followsItsStepFunctionAndFaults(@TempDir Path dir) throws IOException {
    Path mock = Files.writeString(dir.resolve("gpus.yaml"), """
        gpus:
          - uuid: GPU-a
            name: Mock H100
            powerWatts: {step: {from: 100, to: 300, atSeconds: 2}}
          - uuid: GPU-b
            name: Mock L4
            powerWatts: 50
            faults: [{lost: {afterSamples: 2}}]
        """);

    int exit = run("gpus", "--mock-gpus", mock.toString(), "--samples", "3", "--interval-ms", "2500");

    assertThat(err.toString()).isEmpty();
    assertThat(exit).isZero();
    List<JsonNode> lines = outLines().stream().map(GpusCommandTest::json).toList();
    assertThat(lines).hasSize(3);
    // Sample 1 is taken at once (well before 2 s, leaving room for a slow machine), samples 2
    // and 3 at least 2.5 s and 5 s later.
    assertThat(lines).extracting(l -> l.at("/gpus/0/powerWatts").asDouble()).containsExactly(100.0, 300.0, 300.0);
    assertThat(lines).extracting(l -> l.at("/gpus/1/lost").asBoolean()).containsExactly(false, false, true);
    assertThat(lines.getFirst().at("/gpus/0/uuid").asText()).isEqualTo("GPU-a");
    assertThat(lines.getFirst().at("/gpus/0/memoryTotalBytes").isNull()).isTrue();
    assertThat(lines.getFirst().get("driverVersion").isNull()).isTrue();
  }

  @Test
  void exampleMockFile_prints4Gpus() {
    int exit = run("gpus", "--mock-gpus", Path.of("..", "config-examples", "mock-gpus.yaml").toString());

    assertThat(exit).isZero();
    assertThat(json(outLines().getFirst()).get("gpus")).hasSize(4);
  }

  @Test
  void noLibrary_exit3NamingWhatWasTried() {
    int exit = run("gpus", "--nvml-library", "/nonexistent/libnvidia-ml.so.1");

    assertThat(exit).isEqualTo(SidecarMain.EXIT_UNAVAILABLE);
    assertThat(out.toString()).isEmpty();
    assertThat(err.toString()).isEqualTo(
        "gpus: NVML unavailable: cannot load /nonexistent/libnvidia-ml.so.1 (no such file); "
            + "use --mock-gpus FILE to run without GPUs\n");
  }

  @Test
  void initFailure_exit3WithTheDriversCode() {
    FakeNvml fake = FakeNvmlFixture.fake().failInit(9);

    assertThat(run("gpus", "--nvml-library", fake.library().toString())).isEqualTo(3);
    assertThat(err.toString()).isEqualTo(
        "gpus: NVML unavailable: nvmlInit_v2 from " + fake.library() + " failed: NVML_ERROR_DRIVER_NOT_LOADED (9): "
            + "Driver Not Loaded (is the NVIDIA kernel driver loaded?); use --mock-gpus FILE to run without GPUs\n");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiterString = " => ", textBlock = """
      gpus --nvml-library /x --mock-gpus /y => gpus: --nvml-library and --mock-gpus cannot be used together (choose one)
      gpus --mock-gpus /y --samples 0 => gpus: --samples: 0 (expected: >= 1)
      gpus --mock-gpus /y --interval-ms -5 => gpus: --interval-ms: -5 (expected: >= 0)
      gpus --samples many => gpus: Invalid value for option '--samples': 'many' is not an int
      gpus --frobnicate => gpus: Unknown option: '--frobnicate'
      gpus --mock-gpus /nonexistent/gpus.yaml => gpus: /nonexistent/gpus.yaml: cannot read: no such file
      """)
  void badArguments_exit2WithOneLine(String args, String message) {
    int exit = run(args.split(" "));

    assertThat(exit).isEqualTo(SidecarMain.EXIT_USAGE);
    assertThat(err.toString()).isEqualTo(message + "\n");
    assertThat(out.toString()).isEmpty();
  }

  @Test
  void invalidMockFile_exit2NamingFileAndPath(@TempDir Path dir) throws IOException {
    Path mock = Files.writeString(dir.resolve("gpus.yaml"), "gpus: [{uuid: GPU-a, name: n}, {uuid: GPU-b, name: m, "
        + "memoryUsedBytes: {ramp: {from: 1, durationSeconds: 2}}}]\n");

    assertThat(run("gpus", "--mock-gpus", mock.toString())).isEqualTo(SidecarMain.EXIT_USAGE);
    assertThat(err.toString()).isEqualTo("gpus: " + mock + ": gpus[1].memoryUsedBytes: ramp.to missing\n");
  }

  @Test
  void noLibraryOption_loadsLibnvidiaMlFromTheSystemLibraryPath() throws Exception {
    // A child JVM, because the dynamic loader reads LD_LIBRARY_PATH once, at process start.
    FakeNvml fake = FakeNvmlFixture.fake();
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb = new ProcessBuilder(
        java.toString(), "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
        SidecarMain.class.getName(), "gpus");
    pb.environment().put("LD_LIBRARY_PATH", fake.library().getParent().toString());
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(p.exitValue()).isZero();
    assertThat(stdout.lines()).containsExactly(FAKE_LINE);
  }

  private static JsonNode json(String line) {
    try {
      return new ObjectMapper().readTree(line);
    } catch (IOException e) {
      throw new AssertionError(line, e);
    }
  }
}
