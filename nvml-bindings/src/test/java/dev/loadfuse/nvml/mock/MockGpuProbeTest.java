package dev.loadfuse.nvml.mock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.ThrottleReason;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The mock probe with an injected clock: time functions and faults at chosen instants. */
class MockGpuProbeTest {
  private static final long SECOND = 1_000_000_000L;

  // Starts far from zero: elapsed time must be measured from the probe's opening.
  private final AtomicLong now = new AtomicLong(5_000 * SECOND);

  private MockGpuProbe probe(String yaml) {
    return MockGpuProbe.of(MockGpuConfig.parse(yaml, "test.yaml"), "test.yaml", now::get);
  }

  private GpuSample sampleAt(MockGpuProbe probe, double seconds) {
    now.set(5_000 * SECOND + Math.round(seconds * SECOND));
    return probe.sample().gpus().firstEntry().getValue();
  }

  @Test
  void constants_reportedAsGiven_freeMemoryDerived() {
    MockGpuProbe p = probe("""
        driverVersion: "1.2"
        gpus:
          - uuid: GPU-a
            name: H100
            memoryTotalBytes: 1000
            memoryReservedBytes: 100
            memoryUsedBytes: 300
            gpuUtilization: 0.5
            memoryUtilization: 0.25
            powerWatts: 350.5
            powerLimitWatts: 700
            temperatureC: 65
            energyJoules: 12.5
            throttleReasons: [SwPowerCap]
            migEnabled: false
        """);

    GpuSnapshot s = p.sample();

    assertThat(s.driverVersion()).contains("1.2");
    assertThat(s.sampledAtNanos()).isEqualTo(now.get());
    assertThat(s.gpus().get("GPU-a")).isEqualTo(GpuSample.builder("GPU-a", 0).name("H100")
        .memoryTotalBytes(1000).memoryReservedBytes(100).memoryUsedBytes(300).memoryFreeBytes(600)
        .gpuUtilization(0.5).memoryUtilization(0.25).powerWatts(350.5).powerLimitWatts(700).temperatureC(65)
        .energyJoules(12.5).throttleReasons(Set.of(ThrottleReason.SW_POWER_CAP)).migEnabled(false)
        .sampledAtNanos(now.get()).build());
  }

  @Test
  void absentFields_stayAbsent_indicesFollowTheList() {
    GpuSnapshot s = probe("gpus: [{uuid: GPU-a, name: A}, {uuid: GPU-b, name: B, memoryTotalBytes: 10}]").sample();

    assertThat(s.driverVersion()).isEmpty();
    assertThat(s.gpus().get("GPU-a")).isEqualTo(GpuSample.builder("GPU-a", 0).name("A").sampledAtNanos(now.get()).build());
    GpuSample b = s.gpus().get("GPU-b");
    assertThat(b.index()).isEqualTo(1);
    assertThat(b.memoryFreeBytes()).as("free needs used").isEmpty();
    assertThat(b.throttleReasons()).isEmpty();
  }

  @Test
  void step_switchesAtItsInstant() {
    MockGpuProbe p = probe("gpus: [{uuid: GPU-a, name: A, powerWatts: {step: {from: 100, to: 300, atSeconds: 10}}}]");

    assertThat(sampleAt(p, 0).powerWatts()).hasValue(100);
    assertThat(sampleAt(p, 9.999).powerWatts()).hasValue(100);
    assertThat(sampleAt(p, 10).powerWatts()).hasValue(300);
    assertThat(sampleAt(p, 1e6).powerWatts()).hasValue(300);
  }

  @Test
  void ramp_isLinearBetweenStartAndEnd_roundedForBytes() {
    MockGpuProbe p = probe("""
        gpus: [{uuid: GPU-a, name: A, memoryTotalBytes: 10000,
                memoryUsedBytes: {ramp: {from: 1000, to: 2000, startSeconds: 10, durationSeconds: 30}}}]
        """);

    assertThat(sampleAt(p, 0).memoryUsedBytes()).hasValue(1000);
    assertThat(sampleAt(p, 10).memoryUsedBytes()).hasValue(1000);
    assertThat(sampleAt(p, 20).memoryUsedBytes()).hasValue(1333);
    assertThat(sampleAt(p, 25).memoryUsedBytes()).hasValue(1500);
    assertThat(sampleAt(p, 40).memoryUsedBytes()).hasValue(2000);
    assertThat(sampleAt(p, 400).memoryUsedBytes()).hasValue(2000);
    assertThat(sampleAt(p, 25).memoryFreeBytes()).hasValue(8500);
  }

  @Test
  void sine_followsItsPeriodAndPhase() {
    MockGpuProbe p = probe("""
        gpus: [{uuid: GPU-a, name: A,
                gpuUtilization: {sine: {mean: 0.5, amplitude: 0.5, periodSeconds: 40}},
                memoryUtilization: {sine: {mean: 0.5, amplitude: 0.5, periodSeconds: 40, phaseSeconds: 10}}}]
        """);

    GpuSample at0 = sampleAt(p, 0);
    assertThat(at0.gpuUtilization().getAsDouble()).isCloseTo(0.5, within(1e-9));
    assertThat(at0.memoryUtilization().getAsDouble()).isCloseTo(1.0, within(1e-9));
    assertThat(sampleAt(p, 10).gpuUtilization().getAsDouble()).isCloseTo(1.0, within(1e-9));
    assertThat(sampleAt(p, 30).gpuUtilization().getAsDouble()).isCloseTo(0.0, within(1e-9));
  }

  @Test
  void lostAfterSamples_lostFromTheNextSampleOn_nameKept() {
    MockGpuProbe p = probe("""
        gpus:
          - {uuid: GPU-a, name: A, powerWatts: 100, faults: [{lost: {afterSamples: 2}}]}
          - {uuid: GPU-b, name: B, powerWatts: 200}
        """);

    assertThat(p.sample().gpus().get("GPU-a").lost()).isFalse();
    assertThat(p.sample().gpus().get("GPU-a").lost()).isFalse();
    GpuSnapshot third = p.sample();
    assertThat(third.gpus().get("GPU-a")).isEqualTo(GpuSample.lost("GPU-a", 0, Optional.of("A"), now.get()));
    assertThat(third.gpus().get("GPU-b").powerWatts()).hasValue(200);
  }

  @Test
  void lostAtSeconds_lostFromThatInstant() {
    MockGpuProbe p = probe("gpus: [{uuid: GPU-a, name: A, faults: [{lost: {atSeconds: 30}}]}]");

    assertThat(sampleAt(p, 29.9).lost()).isFalse();
    assertThat(sampleAt(p, 30).lost()).isTrue();
  }

  @Test
  void throttleFault_addsItsReasonsDuringItsWindow() {
    MockGpuProbe p = probe("""
        gpus:
          - uuid: GPU-a
            name: A
            throttleReasons: [SwPowerCap]
            faults: [{throttle: {reasons: [SwThermalSlowdown, HwThermalSlowdown], fromSeconds: 60, untilSeconds: 120}}]
          - uuid: GPU-b
            name: B
            faults: [{throttle: {reasons: [HwSlowdown], fromSeconds: 60}}]
        """);

    assertThat(sampleAt(p, 59).throttleReasons()).contains(Set.of(ThrottleReason.SW_POWER_CAP));
    assertThat(sampleAt(p, 60).throttleReasons()).contains(Set.of(
        ThrottleReason.SW_POWER_CAP, ThrottleReason.SW_THERMAL_SLOWDOWN, ThrottleReason.HW_THERMAL_SLOWDOWN));
    assertThat(sampleAt(p, 120).throttleReasons()).contains(Set.of(ThrottleReason.SW_POWER_CAP));

    now.set(5_000 * SECOND);
    assertThat(p.sample().gpus().get("GPU-b").throttleReasons()).as("no static reasons, fault inactive").isEmpty();
    now.set(5_100 * SECOND);
    assertThat(p.sample().gpus().get("GPU-b").throttleReasons()).contains(Set.of(ThrottleReason.HW_SLOWDOWN));
  }

  @Test
  void close_thenSample_fails() {
    MockGpuProbe p = probe("gpus: []");
    p.close();
    p.close();

    assertThatThrownBy(p::sample).isInstanceOf(IllegalStateException.class).hasMessage("mock GPU probe closed: test.yaml");
  }
}
