package dev.loadfuse.common.settings;

/**
 * A settings value that cannot be used. The message is complete on one line and names where the
 * value is: {@code picker.yaml: plugins[2].weight: -1 (expected: >= 0)}, {@code
 * LOADFUSE_HTTP_PORT: "x" (expected: an integer)}, {@code --grpc-port: 70000 (expected: [0,
 * 65535])}.
 *
 * <p>An {@link IllegalArgumentException}, so code that validates arguments treats both alike.
 */
public class SettingsException extends IllegalArgumentException {

  private static final long serialVersionUID = 1L;

  public SettingsException(String message) {
    super(message);
  }

  public SettingsException(String message, Throwable cause) {
    super(message, cause);
  }
}
