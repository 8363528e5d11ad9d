package dev.loadfuse.picker.flowcontrol;

import java.util.Arrays;
import java.util.List;
import java.util.function.Function;

/** Looks up a policy enum constant by the plugin type name the config uses. */
final class PolicyTypes {

  private PolicyTypes() {}

  /** The constant whose type is {@code type}, null when none is. */
  static <E extends Enum<E>> E byType(E[] values, Function<E, String> typeOf, String type) {
    for (E e : values) {
      if (typeOf.apply(e).equals(type)) {
        return e;
      }
    }
    return null;
  }

  /** Every constant's type, in declaration order. */
  static <E extends Enum<E>> List<String> types(E[] values, Function<E, String> typeOf) {
    return Arrays.stream(values).map(typeOf).toList();
  }
}
