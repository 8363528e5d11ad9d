package dev.loadfuse.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * LoRA adapter state of an engine, from the current series of {@code vllm:lora_requests_info}
 * (the one with the largest value: the value is the time of its last update).
 *
 * @param runningAdapters adapters with requests running, in the engine's order; may be empty
 * @param waitingAdapters adapters with requests waiting; may be empty
 * @param maxLora adapters the engine can hold at once (0 = LoRA off); empty when the label is
 *     missing or not an integer
 */
public record LoraInfo(
    List<String> runningAdapters, List<String> waitingAdapters, OptionalInt maxLora) {

  public LoraInfo {
    runningAdapters = List.copyOf(runningAdapters);
    waitingAdapters = List.copyOf(waitingAdapters);
    Objects.requireNonNull(maxLora, "maxLora");
    if (maxLora.isPresent() && maxLora.getAsInt() < 0) {
      throw new IllegalArgumentException(
          "maxLora: " + maxLora.getAsInt() + " (expected: >= 0)");
    }
  }

  /**
   * Splits a label value such as {@code "a,b"} or {@code "a, b"}: comma-separated, blanks
   * trimmed, empty items dropped. Null or empty gives an empty list.
   */
  public static List<String> parseAdapterList(String labelValue) {
    if (labelValue == null || labelValue.isBlank()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    for (String part : labelValue.split(",")) {
      String s = part.strip();
      if (!s.isEmpty()) {
        out.add(s);
      }
    }
    return List.copyOf(out);
  }
}
