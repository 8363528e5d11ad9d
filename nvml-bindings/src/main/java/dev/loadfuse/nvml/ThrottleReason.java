package dev.loadfuse.nvml;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Why a GPU's clocks are held below their maximum: the bits of NVML's
 * {@code nvmlDeviceGetCurrentClocksEventReasons} (formerly "clocks throttle reasons").
 *
 * <p>{@link #nvmlName()} is the name NVML's headers use without their
 * {@code nvmlClocksEventReason} prefix (the constant's name in Pascal case); it is also the
 * spelling in JSON output and mock files.
 */
public enum ThrottleReason {
  GPU_IDLE(0x1L),
  APPLICATIONS_CLOCKS_SETTING(0x2L),
  SW_POWER_CAP(0x4L),
  HW_SLOWDOWN(0x8L),
  SYNC_BOOST(0x10L),
  SW_THERMAL_SLOWDOWN(0x20L),
  HW_THERMAL_SLOWDOWN(0x40L),
  HW_POWER_BRAKE_SLOWDOWN(0x80L),
  DISPLAY_CLOCK_SETTING(0x100L);

  /** Every bit this enum names; newer drivers may set others. */
  public static final long KNOWN_BITS = 0x1FFL;

  private final long bit;
  private final String nvmlName;

  ThrottleReason(long bit) {
    this.bit = bit;
    this.nvmlName = pascalCase(name());
  }

  /** {@code SW_THERMAL_SLOWDOWN} as NVML writes it: {@code SwThermalSlowdown}. */
  private static String pascalCase(String constant) {
    StringBuilder sb = new StringBuilder(constant.length());
    for (String word : constant.split("_")) {
      sb.append(word.charAt(0)).append(word.substring(1).toLowerCase(Locale.ROOT));
    }
    return sb.toString();
  }

  /** The reason's bit in NVML's 64-bit mask. */
  public long bit() {
    return bit;
  }

  /** NVML's name for the reason, e.g. {@code SwThermalSlowdown}. */
  public String nvmlName() {
    return nvmlName;
  }

  /** The named reasons set in {@code bits}; bits outside {@link #KNOWN_BITS} are ignored. */
  public static Set<ThrottleReason> decode(long bits) {
    EnumSet<ThrottleReason> set = EnumSet.noneOf(ThrottleReason.class);
    for (ThrottleReason r : values()) {
      if ((bits & r.bit) != 0) {
        set.add(r);
      }
    }
    return Collections.unmodifiableSet(set);
  }

  /** The mask with the bits of {@code reasons} set. */
  public static long encode(Collection<ThrottleReason> reasons) {
    long bits = 0;
    for (ThrottleReason r : reasons) {
      bits |= r.bit;
    }
    return bits;
  }

  /** The reason NVML calls {@code nvmlName} (case-sensitive), if any. */
  public static Optional<ThrottleReason> byNvmlName(String nvmlName) {
    for (ThrottleReason r : values()) {
      if (r.nvmlName.equals(nvmlName)) {
        return Optional.of(r);
      }
    }
    return Optional.empty();
  }
}
