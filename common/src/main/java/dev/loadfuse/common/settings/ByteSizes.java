package dev.loadfuse.common.settings;

import java.util.Locale;

/**
 * Byte counts as users write them: a whole number of bytes ({@code 16777216}) or one with a binary
 * suffix, as Kubernetes quantities ({@code 512Ki}, {@code 16Mi}, {@code 1Gi}; {@code KiB}, {@code
 * MiB}, {@code GiB} too). {@link #format} writes the shortest exact text back.
 */
public final class ByteSizes {

  /** What a byte count looks like, for {@code (expected: ...)} in messages. */
  public static final String EXPECTED = "a byte count such as 16777216 or 16Mi";

  private ByteSizes() {}

  /**
   * @throws IllegalArgumentException when {@code text} is not a byte count or overflows a long
   */
  public static long parse(String text) {
    String s = text.trim();
    int i = 0;
    while (i < s.length() && Character.isDigit(s.charAt(i))) {
      i++;
    }
    if (i == 0) {
      throw new IllegalArgumentException("not a byte count: " + text);
    }
    long n = Long.parseLong(s.substring(0, i));
    int shift = switch (s.substring(i).trim().toLowerCase(Locale.ROOT)) {
      case "" -> 0;
      case "ki", "kib" -> 10;
      case "mi", "mib" -> 20;
      case "gi", "gib" -> 30;
      default -> throw new IllegalArgumentException("not a byte count: " + text);
    };
    if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
      throw new IllegalArgumentException("too large: " + text);
    }
    return n << shift;
  }

  /** What a Kubernetes quantity of bytes looks like, for {@code (expected: ...)} in messages. */
  public static final String EXPECTED_QUANTITY = "a size such as 4194304, 4Mi, 10MiB or 25MB";

  /**
   * A Kubernetes resource quantity of bytes, as the llm-d router's {@code --grpc-max-*-msg-size}
   * flags take them: a decimal number with an optional binary ({@code Ki} … {@code Ei}) or decimal
   * ({@code k}, {@code M}, {@code G}, {@code T}, {@code P}, {@code E}) suffix, a trailing {@code
   * B} or {@code b} ignored ({@code 10MiB}, {@code 25MB}); a fraction is rounded up.
   *
   * @throws IllegalArgumentException when {@code text} is not such a quantity, is negative or
   *     overflows a long
   */
  public static long parseQuantity(String text) {
    String s = text.trim();
    if (s.endsWith("B") || s.endsWith("b")) {
      s = s.substring(0, s.length() - 1);
    }
    int i = 0;
    if (i < s.length() && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
      i++;
    }
    while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
      i++;
    }
    java.math.BigDecimal n;
    try {
      n = new java.math.BigDecimal(s.substring(0, i));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a quantity: " + text);
    }
    java.math.BigDecimal factor = switch (s.substring(i)) {
      case "" -> java.math.BigDecimal.ONE;
      case "Ki" -> java.math.BigDecimal.valueOf(1L << 10);
      case "Mi" -> java.math.BigDecimal.valueOf(1L << 20);
      case "Gi" -> java.math.BigDecimal.valueOf(1L << 30);
      case "Ti" -> java.math.BigDecimal.valueOf(1L << 40);
      case "Pi" -> java.math.BigDecimal.valueOf(1L << 50);
      case "Ei" -> java.math.BigDecimal.valueOf(1L << 60);
      case "k" -> java.math.BigDecimal.TEN.pow(3);
      case "M" -> java.math.BigDecimal.TEN.pow(6);
      case "G" -> java.math.BigDecimal.TEN.pow(9);
      case "T" -> java.math.BigDecimal.TEN.pow(12);
      case "P" -> java.math.BigDecimal.TEN.pow(15);
      case "E" -> java.math.BigDecimal.TEN.pow(18);
      default -> throw new IllegalArgumentException("not a quantity: " + text);
    };
    java.math.BigDecimal v = n.multiply(factor).setScale(0, java.math.RoundingMode.CEILING);
    if (v.signum() < 0) {
      throw new IllegalArgumentException("negative: " + text);
    }
    if (v.compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("too large: " + text);
    }
    return v.longValueExact();
  }

  /** The shortest exact text: {@code 16Mi} for 16 MiB, {@code 1000} for 1000 bytes. */
  public static String format(long bytes) {
    for (String[] unit : new String[][] {{"30", "Gi"}, {"20", "Mi"}, {"10", "Ki"}}) {
      int shift = Integer.parseInt(unit[0]);
      if (bytes != 0 && bytes % (1L << shift) == 0) {
        return (bytes >> shift) + unit[1];
      }
    }
    return Long.toString(bytes);
  }
}
