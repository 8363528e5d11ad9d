package dev.loadfuse.nvml;

/**
 * An NVML call returned a code that is neither success, "not supported" (which only drops a
 * field) nor "GPU lost" (which marks the GPU {@linkplain GpuSample#lost() lost}).
 *
 * <p>Its message names the function, the code number, its {@code nvml.h} name and the driver's
 * own text ({@code nvmlErrorString}); {@link #code()} gives the number. Unchecked: {@link
 * GpuProbe#sample()} documents it.
 */
public final class NvmlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;

  /**
   * @param function the NVML function that failed, e.g. {@code nvmlDeviceGetPowerUsage}
   * @param subject what it was called for, e.g. {@code GPU 0 (GPU-1234...)}; empty for none
   * @param code the {@code nvmlReturn_t} value
   * @param description the text of {@code nvmlErrorString(code)}
   */
  public NvmlException(String function, String subject, int code, String description) {
    super(
        function
            + (subject.isEmpty() ? "" : " on " + subject)
            + " failed: "
            + NvmlReturn.name(code)
            + " ("
            + code
            + "): "
            + description);
    this.code = code;
  }

  /** The {@code nvmlReturn_t} value (its {@code nvml.h} name is {@link NvmlReturn#name(int)}). */
  public int code() {
    return code;
  }
}
