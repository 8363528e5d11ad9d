package dev.loadfuse.discovery;

/** Validation helpers whose messages follow {@code field: value (expected: ...)}. */
final class Checks {

  private Checks() {}

  static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
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
