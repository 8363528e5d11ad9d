package dev.loadfuse.nvml.mock;

/**
 * A mock GPU file is unreadable or invalid. The message is one line naming the file and the
 * path of the offending value, e.g. {@code mock-gpus.yaml: gpus[1].memoryUsedBytes: ramp.to
 * missing}.
 */
public final class MockConfigException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public MockConfigException(String message) {
    super(message);
  }

  public MockConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
