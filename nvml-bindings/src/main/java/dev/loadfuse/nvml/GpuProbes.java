package dev.loadfuse.nvml;

import dev.loadfuse.nvml.ffm.NvmlGpuProbe;
import dev.loadfuse.nvml.mock.MockConfigException;
import dev.loadfuse.nvml.mock.MockGpuProbe;
import java.nio.file.Path;

/** Opens the probe implementations: {@code nvml}, {@code mock} and {@code none}. */
public final class GpuProbes {
  /** The NVML library name looked up on the system library path by {@link #nvml()}. */
  public static final String DEFAULT_NVML_LIBRARY = "libnvidia-ml.so.1";

  private GpuProbes() {}

  /** NVML from {@value #DEFAULT_NVML_LIBRARY} on the system library path (dlopen's search). */
  public static GpuProbeResult nvml() {
    return NvmlGpuProbe.open();
  }

  /** NVML from an explicit library file. */
  public static GpuProbeResult nvml(Path library) {
    return NvmlGpuProbe.open(library);
  }

  /**
   * GPUs described by a mock file (YAML, or JSON when the name ends in {@code .json}); time
   * functions run on {@link System#nanoTime()} from now.
   *
   * @throws MockConfigException naming the file and the path of the first invalid value
   */
  public static GpuProbe mock(Path file) {
    return MockGpuProbe.open(file);
  }

  /** No GPUs; {@code reason} says why. */
  public static GpuProbe none(String reason) {
    return new NoGpuProbe(reason);
  }
}
