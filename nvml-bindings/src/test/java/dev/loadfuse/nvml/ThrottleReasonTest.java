package dev.loadfuse.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ThrottleReasonTest {

  @ParameterizedTest
  @CsvSource({
    "0x1, GpuIdle",
    "0x2, ApplicationsClocksSetting",
    "0x4, SwPowerCap",
    "0x8, HwSlowdown",
    "0x10, SyncBoost",
    "0x20, SwThermalSlowdown",
    "0x40, HwThermalSlowdown",
    "0x80, HwPowerBrakeSlowdown",
    "0x100, DisplayClockSetting",
  })
  void bitsAndNames_asNvmlDefinesThem(String hex, String name) {
    long bit = Long.decode(hex);
    ThrottleReason r = ThrottleReason.byNvmlName(name).orElseThrow();

    assertThat(r.bit()).isEqualTo(bit);
    assertThat(ThrottleReason.decode(bit)).containsExactly(r);
  }

  @Test
  void decode_ignoresUnknownBits_encodeRoundTrips() {
    assertThat(ThrottleReason.decode(0x200 | 0x8)).containsExactly(ThrottleReason.HW_SLOWDOWN);
    assertThat(ThrottleReason.encode(EnumSet.allOf(ThrottleReason.class))).isEqualTo(ThrottleReason.KNOWN_BITS);
    assertThat(ThrottleReason.byNvmlName("swPowerCap")).isEmpty();
  }
}
