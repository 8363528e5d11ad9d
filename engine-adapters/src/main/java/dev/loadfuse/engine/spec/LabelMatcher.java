package dev.loadfuse.engine.spec;

import java.util.Objects;

/**
 * An equality matcher {@code name="value"} of a {@link MetricSpec}. A series matches when its
 * label {@code name} has exactly {@code value}; as in PromQL, an empty value also matches a series
 * without that label.
 */
public record LabelMatcher(String name, String value) {
  public LabelMatcher {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(value, "value");
    if (!MetricSpec.isLabelName(name)) {
      throw new IllegalArgumentException(
          "name: \"" + name + "\" (expected: a label name [a-zA-Z_][a-zA-Z0-9_]*)");
    }
  }

  @Override
  public String toString() {
    return name + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
        + "\"";
  }
}
