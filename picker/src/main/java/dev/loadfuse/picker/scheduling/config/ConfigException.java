package dev.loadfuse.picker.scheduling.config;

/**
 * An invalid EndpointPickerConfig (or objects file). The message names the source and the path
 * of the offending value, e.g. {@code picker.yaml: schedulingProfiles[0].plugins[2].weight: -1
 * (expected: >= 0)}.
 */
public final class ConfigException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }

  /** {@code path: problem}. */
  public static ConfigException at(String path, String problem) {
    return new ConfigException(path + ": " + problem);
  }
}
