package dev.loadfuse.nvml;

import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/** Range checks for the value records, with messages like {@code gpuUtilization: 1.3 (expected: [0, 1])}. */
final class Checks {
  private Checks() {}

  static void nonNegative(String name, OptionalLong value) {
    if (value.isPresent() && value.getAsLong() < 0) {
      throw new IllegalArgumentException(name + ": " + value.getAsLong() + " (expected: >= 0)");
    }
  }

  static void nonNegative(String name, OptionalInt value) {
    if (value.isPresent() && value.getAsInt() < 0) {
      throw new IllegalArgumentException(name + ": " + value.getAsInt() + " (expected: >= 0)");
    }
  }

  static void nonNegative(String name, OptionalDouble value) {
    // Written so that NaN fails too.
    if (value.isPresent() && !(value.getAsDouble() >= 0 && value.getAsDouble() < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(name + ": " + value.getAsDouble() + " (expected: finite, >= 0)");
    }
  }

  static void fraction(String name, OptionalDouble value) {
    if (value.isPresent() && !(value.getAsDouble() >= 0 && value.getAsDouble() <= 1)) {
      throw new IllegalArgumentException(name + ": " + value.getAsDouble() + " (expected: [0, 1])");
    }
  }
}
