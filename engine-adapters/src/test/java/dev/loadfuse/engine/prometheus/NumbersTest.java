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
    for (int i = 0; i < 200_000; i++) {
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
  void hugeAndTinyExponents_matchDoubleParseDouble() {
    for (String s : new String[] {"1e308", "1e309", "1e-400", "123456789e-330", "1e99999", "0e99999"}) {
      assertThat(parse(s)).as(s).isEqualTo(Double.parseDouble(s));
    }
  }
}
