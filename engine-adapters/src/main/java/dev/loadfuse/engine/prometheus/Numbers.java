package dev.loadfuse.engine.prometheus;

import java.nio.charset.StandardCharsets;

/** Number syntax and conversion over bytes, without allocation on the common path. */
final class Numbers {
  private Numbers() {}

  // Powers of ten that are exact doubles (10^22 is the largest).
  private static final double[] POW10 = new double[23];

  static {
    double p = 1;
    for (int i = 0; i < POW10.length; i++) {
      POW10[i] = p;
      p *= 10;
    }
  }

  /**
   * Whether {@code b[from, to)} is a float as Prometheus writes one: optional sign, digits with an
   * optional fraction and exponent, or NaN / Inf / Infinity in any case (with an optional sign).
   * Hex floats are not accepted.
   */
  static boolean isFloat(byte[] b, int from, int to) {
    return scan(b, from, to, true);
  }

  /** Like {@link #isFloat} without NaN and infinities: a timestamp. */
  static boolean isDecimal(byte[] b, int from, int to) {
    return scan(b, from, to, false);
  }

  private static boolean scan(byte[] b, int from, int to, boolean allowSpecial) {
    int i = from;
    if (i < to && (b[i] == '+' || b[i] == '-')) {
      i++;
    }
    if (i >= to) {
      return false;
    }
    byte c = b[i];
    if (c > '9') {
      return allowSpecial && isSpecial(b, i, to);
    }
    int digits = 0;
    while (i < to && (c = b[i]) >= '0' && c <= '9') {
      i++;
      digits++;
    }
    if (i < to && b[i] == '.') {
      i++;
      while (i < to && (c = b[i]) >= '0' && c <= '9') {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      return false;
    }
    if (i < to && ((c = b[i]) == 'e' || c == 'E')) {
      i++;
      if (i < to && (b[i] == '+' || b[i] == '-')) {
        i++;
      }
      int expDigits = 0;
      while (i < to && (c = b[i]) >= '0' && c <= '9') {
        i++;
        expDigits++;
      }
      if (expDigits == 0) {
        return false;
      }
    }
    return i == to;
  }

  private static boolean isSpecial(byte[] b, int i, int to) {
    int len = to - i;
    return (len == 3 && eqIgnoreCase(b, i, "nan"))
        || (len == 3 && eqIgnoreCase(b, i, "inf"))
        || (len == 8 && eqIgnoreCase(b, i, "infinity"));
  }

  private static boolean eqIgnoreCase(byte[] b, int i, String lower) {
    for (int k = 0; k < lower.length(); k++) {
      if ((b[i + k] | 0x20) != lower.charAt(k)) {
        return false;
      }
    }
    return true;
  }

  /**
   * The value of a token that {@link #isFloat} accepted. Short decimals (up to 15 significant
   * digits, exponent within +-22) are converted exactly in place; longer ones, such as
   * {@code 9223372036854775794} or Python's 17-digit reprs, go through
   * {@link Double#parseDouble} (one small String), which rounds correctly.
   */
  static double parseFloat(byte[] b, int from, int to) {
    int i = from;
    boolean negative = false;
    if (b[i] == '+' || b[i] == '-') {
      negative = b[i] == '-';
      i++;
    }
    if (b[i] > '9') {
      // NaN / Inf / Infinity, validated by isFloat.
      if ((b[i] | 0x20) == 'n') {
        return Double.NaN;
      }
      return negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
    }
    long mantissa = 0;
    int significant = 0;
    int scale = 0;
    byte c;
    while (i < to && (c = b[i]) >= '0' && c <= '9') {
      if (mantissa != 0 || c != '0') {
        mantissa = mantissa * 10 + (c - '0');
        significant++;
      }
      i++;
    }
    if (i < to && b[i] == '.') {
      i++;
      while (i < to && (c = b[i]) >= '0' && c <= '9') {
        if (mantissa != 0 || c != '0') {
          mantissa = mantissa * 10 + (c - '0');
          significant++;
        }
        scale--;
        i++;
      }
    }
    if (significant > 15) {
      return slow(b, from, to);
    }
    int exp = 0;
    if (i < to) { // exponent; isFloat guaranteed e/E followed by digits
      i++;
      boolean expNegative = false;
      if (b[i] == '+' || b[i] == '-') {
        expNegative = b[i] == '-';
        i++;
      }
      while (i < to) {
        exp = exp * 10 + (b[i] - '0');
        if (exp > 400) {
          return slow(b, from, to);
        }
        i++;
      }
      if (expNegative) {
        exp = -exp;
      }
    }
    int e = exp + scale;
    double v;
    if (mantissa == 0) {
      v = 0;
    } else if (e >= 0 && e <= 22) {
      v = mantissa * POW10[e];
    } else if (e < 0 && e >= -22) {
      v = mantissa / POW10[-e];
    } else {
      return slow(b, from, to);
    }
    return negative ? -v : v;
  }

  private static double slow(byte[] b, int from, int to) {
    return Double.parseDouble(new String(b, from, to - from, StandardCharsets.ISO_8859_1));
  }
}
