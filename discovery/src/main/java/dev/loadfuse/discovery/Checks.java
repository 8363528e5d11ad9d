package dev.loadfuse.discovery;

import dev.loadfuse.common.settings.SettingsNode;

/** Validation helpers whose messages follow {@code field: value (expected: ...)}. */
final class Checks {

  private Checks() {}

  static String quote(String s) {
    return SettingsNode.quote(s);
  }

  static String notBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(field + ": " + quote(value) + " (expected: not blank)");
    }
    return value;
  }

  static int port(String field, int value) {
    if (value < 1 || value > 65535) {
      throw new IllegalArgumentException(field + ": " + value + " (expected: [1, 65535])");
    }
    return value;
  }

  static boolean hasWhitespaceOrControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isWhitespace(c) || Character.isISOControl(c)) {
        return true;
      }
    }
    return false;
  }
}
