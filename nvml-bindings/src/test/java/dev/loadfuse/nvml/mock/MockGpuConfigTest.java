package dev.loadfuse.nvml.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.nvml.ThrottleReason;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MockGpuConfigTest {

  private static final String GPU = "{uuid: GPU-a, name: n, ";

  private static MockGpuConfig parse(String yaml) {
    return MockGpuConfig.parse(yaml, "test.yaml");
  }

  @Test
  void everyFieldFunctionAndFault_parsed() {
    MockGpuConfig config = parse("""
        driverVersion: "560.35.03"
        gpus:
          - uuid: GPU-a
            name: NVIDIA H100 80GB HBM3
            memoryTotalBytes: 80e9
            memoryReservedBytes: 5.0e8
            memoryUsedBytes: {ramp: {from: 1000, to: 2000, durationSeconds: 60, startSeconds: 5}}
            gpuUtilization: {sine: {mean: 0.5, amplitude: 0.25, periodSeconds: 30, phaseSeconds: 7.5}}
            memoryUtilization: 0.25
            powerWatts: {step: {from: 100, to: 300, atSeconds: 10}}
            powerLimitWatts: 700
            temperatureC: 65
            energyJoules: 1.5
            throttleReasons: [SwPowerCap, HwSlowdown]
            migEnabled: true
            faults:
              - lost: {afterSamples: 3}
              - lost: {atSeconds: 120}
              - throttle: {reasons: [HwThermalSlowdown], fromSeconds: 30, untilSeconds: 90}
              - throttle: {reasons: [GpuIdle]}
          - {uuid: GPU-b, name: L4}
        """);

    assertThat(config.driverVersion()).contains("560.35.03");
    assertThat(config.gpus()).hasSize(2);
    MockGpuConfig.Gpu a = config.gpus().getFirst();
    assertThat(a.metrics()).containsExactlyInAnyOrderEntriesOf(Map.of(
        MockMetric.MEMORY_TOTAL_BYTES, new TimeFunction.Constant(80e9),
        MockMetric.MEMORY_RESERVED_BYTES, new TimeFunction.Constant(5e8),
        MockMetric.MEMORY_USED_BYTES, new TimeFunction.Ramp(1000, 2000, 5, 60),
        MockMetric.GPU_UTILIZATION, new TimeFunction.Sine(0.5, 0.25, 30, 7.5),
        MockMetric.MEMORY_UTILIZATION, new TimeFunction.Constant(0.25),
        MockMetric.POWER_WATTS, new TimeFunction.Step(100, 300, 10),
        MockMetric.POWER_LIMIT_WATTS, new TimeFunction.Constant(700),
        MockMetric.TEMPERATURE_C, new TimeFunction.Constant(65),
        MockMetric.ENERGY_JOULES, new TimeFunction.Constant(1.5)));
    assertThat(a.throttleReasonBits()).hasValue(ThrottleReason.SW_POWER_CAP.bit() | ThrottleReason.HW_SLOWDOWN.bit());
    assertThat(a.migEnabled()).contains(true);
    assertThat(a.faults()).containsExactly(
        new MockFault.LostAfterSamples(3),
        new MockFault.LostAt(120),
        new MockFault.Throttle(ThrottleReason.HW_THERMAL_SLOWDOWN.bit(), 30, OptionalDouble.of(90)),
        new MockFault.Throttle(ThrottleReason.GPU_IDLE.bit(), 0, OptionalDouble.empty()));
    MockGpuConfig.Gpu b = config.gpus().get(1);
    assertThat(b.metrics()).isEmpty();
    assertThat(b.throttleReasonBits()).isEqualTo(OptionalLong.empty());
    assertThat(b.migEnabled()).isEqualTo(Optional.empty());
    assertThat(b.faults()).isEmpty();
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiterString = " => ", textBlock = """
      gpus: [{uuid: GPU-a, name: n}, {uuid: GPU-b, name: n, memoryUsedBytes: {ramp: {from: 1, durationSeconds: 2}}}] => gpus[1].memoryUsedBytes: ramp.to missing
      gpu: [] => unknown key "gpu" (known: driverVersion, gpus)
      driverVersion: x => gpus missing
      gpus: {a: 1} => gpus: a map (expected: a list of GPUs)
      gpus: [[]] => gpus[0]: a list (expected: a map with keys uuid, name, throttleReasons, migEnabled, faults, memoryTotalBytes, memoryUsedBytes, memoryReservedBytes, gpuUtilization, memoryUtilization, powerWatts, powerLimitWatts, temperatureC, energyJoules)
      gpus: [{name: n}] => gpus[0]: uuid missing
      gpus: [{uuid: GPU-a}] => gpus[0]: name missing
      gpus: [{uuid: '', name: n}] => gpus[0].uuid: '' (expected: a non-blank string)
      gpus: [{uuid: GPU-a, name: n}, {uuid: GPU-a, name: m}] => gpus[1].uuid: GPU-a (expected: unique; gpus[0] has it too)
      gpus: [{uuid: GPU-a, name: n, memoryUsed: 1}] => gpus[0]: unknown key "memoryUsed" (known: uuid, name, throttleReasons, migEnabled, faults, memoryTotalBytes, memoryUsedBytes, memoryReservedBytes, gpuUtilization, memoryUtilization, powerWatts, powerLimitWatts, temperatureC, energyJoules)
      gpus: [{uuid: GPU-a, name: n, gpuUtilization: 1.3}] => gpus[0].gpuUtilization: 1.3 (expected: [0, 1])
      gpus: [{uuid: GPU-a, name: n, gpuUtilization: {sine: {mean: 0.75, amplitude: 0.5, periodSeconds: 10}}}] => gpus[0].gpuUtilization: sine reaches 1.25 (expected: [0, 1])
      gpus: [{uuid: GPU-a, name: n, powerWatts: {step: {from: 10, to: -1, atSeconds: 1}}}] => gpus[0].powerWatts: step reaches -1 (expected: >= 0)
      gpus: [{uuid: GPU-a, name: n, temperatureC: {ramp: {from: 10, to: 2000, durationSeconds: 1}}}] => gpus[0].temperatureC: ramp reaches 2000 (expected: [0, 1000])
      gpus: [{uuid: GPU-a, name: n, powerWatts: hot}] => gpus[0].powerWatts: 'hot' (expected: a number, or one of {step: ...}, {ramp: ...}, {sine: ...})
      gpus: [{uuid: GPU-a, name: n, powerWatts: {square: {}}}] => gpus[0].powerWatts: unknown function 'square' (expected one of: step, ramp, sine)
      gpus: [{uuid: GPU-a, name: n, powerWatts: {ramp: {from: 1, to: 2, durationSeconds: 0}}}] => gpus[0].powerWatts: ramp.durationSeconds: 0 (expected: > 0)
      gpus: [{uuid: GPU-a, name: n, powerWatts: {ramp: {from: 1, to: 2, durationSeconds: 3, slope: 1}}}] => gpus[0].powerWatts: ramp: unknown key "slope" (known: from, to, durationSeconds, startSeconds)
      gpus: [{uuid: GPU-a, name: n, powerWatts: {step: {from: 1, to: x, atSeconds: 3}}}] => gpus[0].powerWatts: step.to: 'x' (expected: a number)
      gpus: [{uuid: GPU-a, name: n, powerWatts: {sine: {mean: 5, amplitude: 1, periodSeconds: -2}}}] => gpus[0].powerWatts: sine.periodSeconds: -2 (expected: > 0)
      gpus: [{uuid: GPU-a, name: n, memoryTotalBytes: 100, memoryReservedBytes: 20, memoryUsedBytes: {ramp: {from: 0, to: 90, durationSeconds: 1}}}] => gpus[0].memoryUsedBytes: up to 90 plus memoryReservedBytes up to 20 (expected: at most memoryTotalBytes 100)
      gpus: [{uuid: GPU-a, name: n, throttleReasons: [SwPowerCap, Hot]}] => gpus[0].throttleReasons[1]: unknown reason 'Hot' (expected one of: GpuIdle, ApplicationsClocksSetting, SwPowerCap, HwSlowdown, SyncBoost, SwThermalSlowdown, HwThermalSlowdown, HwPowerBrakeSlowdown, DisplayClockSetting)
      gpus: [{uuid: GPU-a, name: n, migEnabled: 1}] => gpus[0].migEnabled: 1 (expected: true or false)
      gpus: [{uuid: GPU-a, name: n, faults: [{lost: {afterSamples: 1, atSeconds: 2}}]}] => gpus[0].faults[0]: lost: needs exactly one of afterSamples, atSeconds
      gpus: [{uuid: GPU-a, name: n, faults: [{lost: {afterSamples: 1.5}}]}] => gpus[0].faults[0]: lost.afterSamples: 1.5 (expected: a whole number >= 0)
      gpus: [{uuid: GPU-a, name: n, faults: [{throttle: {reasons: [GpuIdle], fromSeconds: 10, untilSeconds: 5}}]}] => gpus[0].faults[0]: throttle.untilSeconds: 5 (expected: > fromSeconds 10)
      gpus: [{uuid: GPU-a, name: n, faults: [{throttle: {reasons: []}}]}] => gpus[0].faults[0]: throttle.reasons: a list (expected: a non-empty list of GpuIdle, ApplicationsClocksSetting, SwPowerCap, HwSlowdown, SyncBoost, SwThermalSlowdown, HwThermalSlowdown, HwPowerBrakeSlowdown, DisplayClockSetting)
      gpus: [{uuid: GPU-a, name: n, faults: [{throttle: {reasons: [Hot]}}]}] => gpus[0].faults[0]: throttle.reasons[0]: unknown reason 'Hot' (expected one of: GpuIdle, ApplicationsClocksSetting, SwPowerCap, HwSlowdown, SyncBoost, SwThermalSlowdown, HwThermalSlowdown, HwPowerBrakeSlowdown, DisplayClockSetting)
      gpus: [{uuid: GPU-a, name: n, faults: [{reboot: {}}]}] => gpus[0].faults[0]: unknown fault 'reboot' (expected one of: lost, throttle)
      '' => empty (expected: a map with key gpus)
      """)
  void invalid_rejectedWithFileAndPath(String yaml, String message) {
    assertThatThrownBy(() -> parse(yaml)).isInstanceOf(MockConfigException.class).hasMessage("test.yaml: " + message);
  }

  @Test
  void yamlSyntaxErrorsAndDuplicateKeys_reportedWithLine() {
    assertThatThrownBy(() -> parse("gpus: [\n  {uuid: a\n"))
        .isInstanceOf(MockConfigException.class)
        .hasMessageStartingWith("test.yaml: invalid YAML (line ");
    assertThatThrownBy(() -> parse("gpus: []\ngpus: []\n"))
        .hasMessage("test.yaml: duplicate key \"gpus\" (line 2)");
  }

  @Test
  void jsonFile_parsedAsJson(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("gpus.json"), """
        {"gpus": [{"uuid": "GPU-a", "name": "n", "powerWatts": {"step": {"from": 1, "to": 2, "atSeconds": 3}}}]}
        """);

    assertThat(MockGpuConfig.load(file).gpus().getFirst().metrics())
        .containsEntry(MockMetric.POWER_WATTS, new TimeFunction.Step(1, 2, 3));
  }

  @Test
  void invalidFile_errorNamesTheFile(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("gpus.json"), "{\"gpus\": [{\"uuid\": \"GPU-a\"}]}");

    assertThatThrownBy(() -> MockGpuConfig.load(file)).hasMessage(file + ": gpus[0]: name missing");
  }

  @Test
  void oversizedAndEndlessFiles_refusedNamingTheLimit(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    Path big = dir.resolve("big.yaml");
    try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
      f.setLength(100L << 20); // sparse: no disk blocks
    }
    assertThatThrownBy(() -> MockGpuConfig.load(big))
        .isInstanceOf(MockConfigException.class)
        .hasMessage(big + ": 104857600 bytes, larger than the 1 MiB limit for a mock GPU file");
    org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(Path.of("/dev/zero")), "no /dev/zero");
    assertThatThrownBy(() -> MockGpuConfig.load(Path.of("/dev/zero")))
        .hasMessage("/dev/zero: more than 1048576 bytes (still growing when read), larger than the 1 MiB limit for a mock GPU file");
  }

  @Test
  void missingFile_errorNamesTheFile() {
    Path file = Path.of("/nonexistent/gpus.yaml");

    assertThatThrownBy(() -> MockGpuConfig.load(file))
        .isInstanceOf(MockConfigException.class)
        .hasMessage("/nonexistent/gpus.yaml: cannot read: no such file");
  }

  @Test
  void emptyGpuList_allowed() {
    assertThat(parse("gpus: []").gpus()).isEqualTo(List.of());
  }
}
