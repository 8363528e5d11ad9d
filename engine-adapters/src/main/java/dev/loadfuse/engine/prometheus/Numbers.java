package dev.loadfuse.engine.prometheus;

import java.math.BigInteger;
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
   * The value of a token that {@link #isFloat} accepted, correctly rounded, without allocating
   * for decimals of up to 19 significant digits (Python's 17-digit reprs included): Clinger's exact
   * fast path when the digits fit in 53 bits and the exponent in +-22, else the Eisel-Lemire
   * algorithm. The rare inputs either cannot decide (exact ties, more digits, extreme exponents)
   * go through {@link Double#parseDouble} (one small String).
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
    long digits = 0; // unsigned: up to 19 significant digits fit in 64 bits
    int significant = 0;
    int scale = 0;
    byte c;
    while (i < to && (c = b[i]) >= '0' && c <= '9') {
      if (digits != 0 || c != '0') {
        digits = digits * 10 + (c - '0');
        significant++;
      }
      i++;
    }
    if (i < to && b[i] == '.') {
      i++;
      while (i < to && (c = b[i]) >= '0' && c <= '9') {
        if (digits != 0 || c != '0') {
          digits = digits * 10 + (c - '0');
          significant++;
        }
        scale--;
        i++;
      }
    }
    if (significant > 19) {
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
        if (exp > 1000) {
          return slow(b, from, to);
        }
        i++;
      }
      if (expNegative) {
        exp = -exp;
      }
    }
    if (digits == 0) {
      return negative ? -0.0 : 0.0;
    }
    int e = exp + scale;
    if (digits >= 0 && digits <= (1L << 53) && e >= -22 && e <= 22) {
      // Both operands exact, so one correctly rounded operation (Clinger 1990).
      double v = e >= 0 ? digits * POW10[e] : digits / POW10[-e];
      return negative ? -v : v;
    }
    double v = eiselLemire(digits, e, negative);
    return Double.isNaN(v) ? slow(b, from, to) : v;
  }

  // 128-bit truncated approximations of 5^q, normalised so the top bit is set, for q in
  // [MIN_POW, MAX_POW]: below MIN_POW every 19-digit decimal underflows, above MAX_POW it
  // overflows. Computed once; 10 KB.
  private static final int MIN_POW = -342;
  private static final int MAX_POW = 308;
  private static final long[] POW5_HI = new long[MAX_POW - MIN_POW + 1];
  private static final long[] POW5_LO = new long[MAX_POW - MIN_POW + 1];

  static {
    BigInteger five = BigInteger.valueOf(5);
    for (int q = MIN_POW; q <= MAX_POW; q++) {
      BigInteger v;
      if (q >= 0) {
        v = five.pow(q);
        int shift = v.bitLength() - 128;
        v = shift > 0 ? v.shiftRight(shift) : v.shiftLeft(-shift);
      } else {
        BigInteger d = five.pow(-q);
        // 2^(bits(d) + 127) / d lies in (2^127, 2^128): exactly 128 bits, truncated.
        v = BigInteger.ONE.shiftLeft(d.bitLength() + 127).divide(d);
      }
      POW5_HI[q - MIN_POW] = v.shiftRight(64).longValue();
      POW5_LO[q - MIN_POW] = v.longValue();
    }
  }

  /**
   * {@code digits * 10^power} by the Eisel-Lemire algorithm (Lemire, "Number parsing at a
   * gigabyte per second", 2021), or NaN when the 128-bit approximation cannot decide the rounding
   * and the caller must take the exact path. {@code digits} is an unsigned non-zero 64-bit value.
   */
  static double eiselLemire(long digits, int power, boolean negative) {
    if (power < MIN_POW || power > MAX_POW) {
      return Double.NaN;
    }
    // Binary exponent of 10^power scaled by 2^63, biased: floor(log2(5^power)) + power + 1087.
    long exponent = (((152170L + 65536L) * power) >> 16) + 1024 + 63;
    int lz = Long.numberOfLeadingZeros(digits);
    long w = digits << lz;
    int k = power - MIN_POW;
    long upper = Math.unsignedMultiplyHigh(w, POW5_HI[k]);
    long lower = w * POW5_HI[k];
    // The truncated table can make the product too small by less than w; only when the 9 bits
    // below the 55 we keep are all ones can that carry reach them: refine with the low half.
    if ((upper & 0x1FF) == 0x1FF && Long.compareUnsigned(lower + w, lower) < 0) {
      long productLow = w * POW5_LO[k];
      long productMiddle2 = Math.unsignedMultiplyHigh(w, POW5_LO[k]);
      long productMiddle = lower + productMiddle2;
      if (Long.compareUnsigned(productMiddle, lower) < 0) {
        upper++;
      }
      if (productMiddle + 1 == 0
          && (upper & 0x1FF) == 0x1FF
          && Long.compareUnsigned(productLow + w, productLow) < 0) {
        return Double.NaN;
      }
      lower = productMiddle;
    }
    long upperBit = upper >>> 63;
    long mantissa = upper >>> (upperBit + 9);
    lz += (int) (1 ^ upperBit);
    // Possibly exactly half-way between two doubles (all dropped bits zero): round-half-to-even
    // needs the exact value, so let the exact path decide.
    if (lower == 0 && (upper & 0x1FF) == 0 && (mantissa & 3) == 1) {
      return Double.NaN;
    }
    mantissa += mantissa & 1;
    mantissa >>>= 1;
    if (mantissa >= (1L << 53)) {
      mantissa = 1L << 52; // rounding carried into a new bit
      lz--;
    }
    mantissa &= ~(1L << 52);
    long realExponent = exponent - lz;
    if (realExponent < 1 || realExponent > 2046) {
      return Double.NaN; // subnormal or overflow: leave to the exact path
    }
    long bits = mantissa | (realExponent << 52) | (negative ? 1L << 63 : 0);
    return Double.longBitsToDouble(bits);
  }

  private static double slow(byte[] b, int from, int to) {
    return Double.parseDouble(new String(b, from, to - from, StandardCharsets.ISO_8859_1));
  }
}
