package dev.loadfuse.engine.config;

/**
 * An invalid engine-metrics configuration. The message says where: the file (when there is one),
 * the path inside it and the problem, e.g. {@code epc.yaml:
 * plugins[3].parameters.engineConfigs[0].kvUsageSpec: invalid metric spec "vllm:x{a=" at
 * position 9: unterminated label matcher}.
 */
public class EngineConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public EngineConfigException(String message) {
    super(message);
  }

  public EngineConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The same problem with {@code context + ": "} in front (a file name). */
  public EngineConfigException withContext(String context) {
    return new EngineConfigException(context + ": " + getMessage(), this);
  }

  /**
   * The same problem one level deeper: {@code parent + "." + message}, for a message that starts
   * with a path ({@code defaultEngine: ...} becomes {@code plugins[3].parameters.defaultEngine:
   * ...}).
   */
  public EngineConfigException withParentPath(String parent) {
    return new EngineConfigException(parent + "." + getMessage(), this);
  }
}
