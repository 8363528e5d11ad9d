package dev.loadfuse.engine.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NumbersTest {

  private static double parse(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    assertThat(Numbers.isFloat(b, 0, b.length)).as("isFloat(%s)", s).isTrue();
    return Numbers.parseFloat(b, 0, b.length);
  }

  @Test
  void randomDecimalsInManyFormats_sameAsDoubleParseDouble() {
    SplittableRandom rnd = new SplittableRandom(42);
    for (int i = 0; i < Integer.getInteger("numbers.n", 200_000); i++) {
      double d =
          switch (i % 4) {
            case 0 -> rnd.nextDouble() * Math.pow(10, rnd.nextInt(-12, 16));
            case 1 -> rnd.nextLong(0, 1L << 53);
            case 2 -> Math.round(rnd.nextDouble() * 1e6) / 1e3;
            default -> Double.longBitsToDouble(rnd.nextLong() & 0x7fefffffffffffffL);
          };
      String[] forms = {
        Double.toString(d),
        String.format(Locale.ROOT, "%.6f", d),
        String.format(Locale.ROOT, "%e", d),
        new BigDecimal(d).toPlainString().length() < 40 ? new BigDecimal(d).toPlainString() : "1",
        "-" + Double.toString(d),
      };
      for (String f : forms) {
        assertThat(parse(f)).as(f).isEqualTo(Double.parseDouble(f));
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "+", "-", ".", "e5", "1e", "1e+", "1.2.3", "0x10", "1,5", "in", "nana", "1_000", "--1"})
  void invalidTokens_rejected(String s) {
    byte[] b = s.getBytes(StandardCharsets.US_ASCII);
    assertThat(Numbers.isFloat(b, 0, b.length)).isFalse();
  }

  @Test
  void timestampsRejectSpecialValues() {
    byte[] b = "Inf".getBytes(StandardCharsets.US_ASCII);
    assertThat(Numbers.isDecimal(b, 0, b.length)).isFalse();
    byte[] ok = "1700000000.5".getBytes(StandardCharsets.US_ASCII);
    assertThat(Numbers.isDecimal(ok, 0, ok.length)).isTrue();
  }

  @Test
  void randomLongDecimals_sameAsDoubleParseDouble() {
    SplittableRandom rnd = new SplittableRandom(4711);
    for (int i = 0; i < Integer.getInteger("numbers.n", 300_000); i++) {
      int digits = rnd.nextInt(1, 20);
      StringBuilder sb = new StringBuilder();
      sb.append((char) ('1' + rnd.nextInt(9)));
      for (int k = 1; k < digits; k++) {
        sb.append((char) ('0' + rnd.nextInt(10)));
      }
      if (rnd.nextBoolean()) {
        sb.insert(rnd.nextInt(1, sb.length() + 1), '.');
      }
      sb.append('e').append(rnd.nextInt(-330, 310));
      String s = sb.toString();
      assertThat(parse(s)).as(s).isEqualTo(Double.parseDouble(s));
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "7.3177701707893310e+15", "7.2057594037927933e+16", "1e23", "9007199254740993",
        "9007199254740992", "9007199254740995", "2.2250738585072011e-308",
        "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308", "1.7976931348623159e308",
        "9223372036854775807", "9223372036854775808", "18446744073709551615",
        "18446744073709551616", "123456789012345678901234567890", "0.1", "0.30000000000000004",
        "1.7395575657589855e+09", "0.007507552643049313", "2.3518979474117756e+06"
      })
  void hardCases_sameAsDoubleParseDouble(String s) {
    assertThat(parse(s)).isEqualTo(Double.parseDouble(s));
  }

  @Test
  void pythonReprs_decidedByEiselLemireWithoutFallback() {
    // 17 significant digits are beyond Clinger's fast path: these must not need a String.
    assertThat(Numbers.eiselLemire(17395575657589855L, -7, false)).isEqualTo(1.7395575657589855e+09);
    assertThat(Numbers.eiselLemire(7507552643049313L, -18, false)).isEqualTo(0.007507552643049313);
    assertThat(Numbers.eiselLemire(9223372036854775794L, 0, false)).isEqualTo(9.223372036854775794e18);
  }

  @Test
  void hugeAndTinyExponents_matchDoubleParseDouble() {
    for (String s : new String[] {"1e308", "1e309", "1e-400", "123456789e-330", "1e99999", "0e99999"}) {
      assertThat(parse(s)).as(s).isEqualTo(Double.parseDouble(s));
    }
  }
}
