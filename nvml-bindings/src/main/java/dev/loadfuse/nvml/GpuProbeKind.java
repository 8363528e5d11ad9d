package dev.loadfuse.nvml;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Which GPU probe to open ({@link GpuProbes#open}): the choice behind {@code --gpu-probe} of
 * {@code sidecar.jar run} and {@code picker.jar}.
 */
public enum GpuProbeKind {
  /** NVML when it loads, else none (one log line naming why). */
  AUTO("auto"),
  /** NVML or fail: a missing driver is an error ({@code NVML unavailable: ...}). */
  NVML("nvml"),
  /** Mock GPUs from a file. */
  MOCK("mock"),
  /** No GPUs. */
  NONE("none"),
  /**
   * NVML when it loads, else mock GPUs (the given file, or the built-in set) with one log line:
   * the default of a sidecar deployed by class name, e.g. under Vert.x's launcher.
   */
  NVML_OR_MOCK("nvml-or-mock");

  /** Every id, in declaration order, for {@code (expected: one of ...)}. */
  public static final List<String> IDS = Arrays.stream(values()).map(GpuProbeKind::id).toList();

  private final String id;

  GpuProbeKind(String id) {
    this.id = id;
  }

  /** As users write it: {@code auto}, {@code nvml}, {@code mock}, {@code none}, {@code nvml-or-mock}. */
  public String id() {
    return id;
  }

  /**
   * @throws IllegalArgumentException {@code what: "x" (expected: one of auto, nvml, mock, none,
   *     nvml-or-mock)}
   */
  public static GpuProbeKind parse(String what, String text) {
    String s = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
    for (GpuProbeKind k : values()) {
      if (k.id.equals(s)) {
        return k;
      }
    }
    throw new IllegalArgumentException(what + ": \"" + text + "\" (expected: one of " + String.join(", ", IDS) + ")");
  }

  @Override
  public String toString() {
    return id;
  }
}
