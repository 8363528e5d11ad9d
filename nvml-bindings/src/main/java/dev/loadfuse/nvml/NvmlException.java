package dev.loadfuse.nvml;

/**
 * An NVML call returned a code that is neither success, "not supported" (which only drops a
 * field) nor "GPU lost" (which marks the GPU {@linkplain GpuSample#lost() lost}).
 *
 * <p>Carries the code number, its {@code nvml.h} name and the driver's own text
 * ({@code nvmlErrorString}). Unchecked: {@link GpuProbe#sample()} documents it.
 */
public final class NvmlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String function;
  private final int code;
  private final String description;

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
    this.function = function;
    this.code = code;
    this.description = description;
  }

  /** The NVML function that failed. */
  public String function() {
    return function;
  }

  /** The {@code nvmlReturn_t} value. */
  public int code() {
    return code;
  }

  /** The code's {@code nvml.h} name, e.g. {@code NVML_ERROR_NO_PERMISSION}. */
  public String codeName() {
    return NvmlReturn.name(code);
  }

  /** The driver's text for the code ({@code nvmlErrorString}). */
  public String description() {
    return description;
  }
}
