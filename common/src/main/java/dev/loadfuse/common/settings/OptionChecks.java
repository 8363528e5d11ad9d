package dev.loadfuse.common.settings;

import java.time.Duration;

/**
 * The checks the validating setters of options objects share ({@code SidecarOptions}, {@code
 * PickerOptions}), with the messages of the settings reader: {@code name: value (expected: ...)}.
 */
public final class OptionChecks {

  private OptionChecks() {}

  /** A port in [0, 65535] (0: any free one). */
  public static int port(String name, int port) {
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException(name + ": " + port + " (expected: [0, 65535])");
    }
    return port;
  }

  /** A duration greater than zero. */
  public static Duration positive(String name, Duration d) {
    if (d == null || d.isZero() || d.isNegative()) {
      throw new IllegalArgumentException(name + ": " + (d == null ? "null" : Durations.format(d)) + " (expected: > 0)");
    }
    return d;
  }

  /** A duration of at least {@code min}. */
  public static Duration atLeast(String name, Duration d, Duration min) {
    if (d == null || d.compareTo(min) < 0) {
      throw new IllegalArgumentException(name + ": " + (d == null ? "null" : Durations.format(d)) + " (expected: >= "
          + Durations.format(min) + ")");
    }
    return d;
  }

  /** A whole number of at least {@code min}. */
  public static int atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + ": " + value + " (expected: >= " + min + ")");
    }
    return value;
  }

  /** A non-blank text, e.g. an address to bind. */
  public static String notBlank(String name, String value, String expected) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + ": " + SettingsNode.quote(value) + " (expected: " + expected + ")");
    }
    return value;
  }

  /**
   * Reads the JSON text of an options object (e.g. a Vert.x {@code JsonObject}'s {@code encode()})
   * with the strict reader; an empty or null text is an empty map.
   */
  public static SettingsNode json(String text) {
    SettingsNode node = SettingsReader.strict().parse("", text == null || text.isBlank() ? "{}" : text,
        SettingsReader.Format.JSON);
    return node.isMissing() ? SettingsReader.strict().parse("", "{}", SettingsReader.Format.JSON) : node;
  }
}
