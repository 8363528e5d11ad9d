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
