package dev.loadfuse.nvml;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NvmlReturnTest {

  @ParameterizedTest
  @CsvSource({
    "0, NVML_SUCCESS",
    "1, NVML_ERROR_UNINITIALIZED",
    "2, NVML_ERROR_INVALID_ARGUMENT",
    "3, NVML_ERROR_NOT_SUPPORTED",
    "4, NVML_ERROR_NO_PERMISSION",
    "6, NVML_ERROR_NOT_FOUND",
    "7, NVML_ERROR_INSUFFICIENT_SIZE",
    "9, NVML_ERROR_DRIVER_NOT_LOADED",
    "12, NVML_ERROR_LIBRARY_NOT_FOUND",
    "15, NVML_ERROR_GPU_IS_LOST",
    "16, NVML_ERROR_RESET_REQUIRED",
    "21, NVML_ERROR_NO_DATA",
    "25, NVML_ERROR_ARGUMENT_VERSION_MISMATCH",
    "999, NVML_ERROR_UNKNOWN",
    "77, NVML_ERROR_UNRECOGNISED_77",
  })
  void name_asInNvmlH(int code, String name) {
    assertThat(NvmlReturn.name(code)).isEqualTo(name);
  }

  @ParameterizedTest
  @CsvSource({"15, true", "16, true", "3, false", "999, false"})
  void isGpuLost(int code, boolean lost) {
    assertThat(NvmlReturn.isGpuLost(code)).isEqualTo(lost);
  }
}
