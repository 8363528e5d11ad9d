package dev.loadfuse.nvml;

/**
 * NVML's {@code nvmlReturn_t} codes and their names as spelled in {@code nvml.h}.
 *
 * <p>Lives in the FFM-free package because {@link NvmlException} (and the mock probe's fault
 * injection) speak in these codes too.
 */
public final class NvmlReturn {
  public static final int SUCCESS = 0;
  public static final int ERROR_UNINITIALIZED = 1;
  public static final int ERROR_INVALID_ARGUMENT = 2;
  public static final int ERROR_NOT_SUPPORTED = 3;
  public static final int ERROR_NO_PERMISSION = 4;
  public static final int ERROR_NOT_FOUND = 6;
  public static final int ERROR_INSUFFICIENT_SIZE = 7;
  public static final int ERROR_DRIVER_NOT_LOADED = 9;
  public static final int ERROR_LIBRARY_NOT_FOUND = 12;
  public static final int ERROR_FUNCTION_NOT_FOUND = 13;
  public static final int ERROR_GPU_IS_LOST = 15;
  public static final int ERROR_RESET_REQUIRED = 16;
  public static final int ERROR_NO_DATA = 21;
  public static final int ERROR_ARGUMENT_VERSION_MISMATCH = 25;
  public static final int ERROR_UNKNOWN = 999;

  // Index = code, for 0..29; 999 is handled apart.
  private static final String[] NAMES = {
    "NVML_SUCCESS",
    "NVML_ERROR_UNINITIALIZED",
    "NVML_ERROR_INVALID_ARGUMENT",
    "NVML_ERROR_NOT_SUPPORTED",
    "NVML_ERROR_NO_PERMISSION",
    "NVML_ERROR_ALREADY_INITIALIZED",
    "NVML_ERROR_NOT_FOUND",
    "NVML_ERROR_INSUFFICIENT_SIZE",
    "NVML_ERROR_INSUFFICIENT_POWER",
    "NVML_ERROR_DRIVER_NOT_LOADED",
    "NVML_ERROR_TIMEOUT",
    "NVML_ERROR_IRQ_ISSUE",
    "NVML_ERROR_LIBRARY_NOT_FOUND",
    "NVML_ERROR_FUNCTION_NOT_FOUND",
    "NVML_ERROR_CORRUPTED_INFOROM",
    "NVML_ERROR_GPU_IS_LOST",
    "NVML_ERROR_RESET_REQUIRED",
    "NVML_ERROR_OPERATING_SYSTEM",
    "NVML_ERROR_LIB_RM_VERSION_MISMATCH",
    "NVML_ERROR_IN_USE",
    "NVML_ERROR_MEMORY",
    "NVML_ERROR_NO_DATA",
    "NVML_ERROR_VGPU_ECC_NOT_SUPPORTED",
    "NVML_ERROR_INSUFFICIENT_RESOURCES",
    "NVML_ERROR_FREQ_NOT_SUPPORTED",
    "NVML_ERROR_ARGUMENT_VERSION_MISMATCH",
    "NVML_ERROR_DEPRECATED",
    "NVML_ERROR_NOT_READY",
    "NVML_ERROR_GPU_NOT_FOUND",
    "NVML_ERROR_INVALID_STATE",
  };

  private NvmlReturn() {}

  /** The {@code nvml.h} name of {@code code}, e.g. {@code NVML_ERROR_NO_PERMISSION}. */
  public static String name(int code) {
    if (code >= 0 && code < NAMES.length) {
      return NAMES[code];
    }
    return code == ERROR_UNKNOWN ? "NVML_ERROR_UNKNOWN" : "NVML_ERROR_UNRECOGNISED_" + code;
  }

  /** Whether {@code code} means the GPU fell off the bus or must be reset (drain it). */
  public static boolean isGpuLost(int code) {
    return code == ERROR_GPU_IS_LOST || code == ERROR_RESET_REQUIRED;
  }
}
