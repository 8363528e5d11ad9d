package dev.loadfuse.common.errors;

/**
 * A facility the user asked for is missing on this machine, e.g. NVML demanded with {@code
 * --gpu-probe nvml} where no NVIDIA driver is installed. Not bad input, so the command-line tools
 * exit with {@link Problems#EXIT_UNAVAILABLE} rather than {@link Problems#EXIT_USAGE}.
 */
public class UnavailableException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** @param message one line naming what was tried and what failed */
  public UnavailableException(String message) {
    super(message);
  }
}
