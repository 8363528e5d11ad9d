package dev.loadfuse.engine.prometheus;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Which names are wanted must not change what the parser reports: the diagnostics (lines,
 * samples, skipped lines, first error) equal those of a parse that wants every name, and the
 * wanted samples are exactly those of that parse with a wanted name. This pins the fast path for
 * unwanted lines (taken only when some names are not wanted) to the full one, on every fixture
 * page and on many randomly damaged copies of each.
 */
class WantedNamesInvarianceTest {

  private static final byte[] DAMAGE = " \t\n\r{}\"\\=,#.:_aZ09e+-".getBytes(StandardCharsets.US_ASCII);
  private static final int COPIES = 150;

  static Stream<String> fixtures() throws IOException {
    try (InputStream in = WantedNamesInvarianceTest.class.getResourceAsStream("/fixtures/metrics/")) {
      String listing = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return listing.lines().filter(n -> n.endsWith(".prom")).toList().stream();
    }
  }

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = WantedNamesInvarianceTest.class.getResourceAsStream("/fixtures/metrics/" + name)) {
      return in.readAllBytes();
    }
  }

  private record Result(ParseDiagnostics diagnostics, List<ParsedSample> samples) {}

  private static Result parse(byte[] page, WantedNames wanted) {
    List<ParsedSample> out = new ArrayList<>();
    ParseDiagnostics d = new PrometheusTextParser(wanted).parse(page, 0, page.length, s -> out.add(
        new ParsedSample(s.lineNumber(), s.name(), s.labels(), s.value(),
            s.hasTimestamp() ? OptionalDouble.of(s.timestamp()) : OptionalDouble.empty(),
            s.declaredType())));
    return new Result(d, out);
  }

  /** Some of the page's sample names (every other one), and names the page lacks. */
  private static List<WantedNames> wantedSets(byte[] page) {
    Set<String> names = new LinkedHashSet<>();
    for (ParsedSample s : PrometheusTextParser.parseAll(page).samples()) {
      names.add(s.name());
    }
    List<String> some = new ArrayList<>();
    int k = 0;
    for (String n : names) {
      if (k++ % 2 == 0) {
        some.add(n);
      }
    }
    some.add("not_on_the_page");
    return List.of(WantedNames.of(some), WantedNames.of("not_on_the_page"));
  }

  private static void assertInvariant(byte[] page, String what) {
    Result all = parse(page, WantedNames.ALL);
    for (WantedNames wanted : wantedSets(page)) {
      Result some = parse(page, wanted);
      assertThat(some.diagnostics()).as(what + " diagnostics with " + wanted).isEqualTo(all.diagnostics());
      List<ParsedSample> expected = all.samples().stream()
          .filter(s -> wanted.lookup(s.name().getBytes(StandardCharsets.UTF_8), 0,
              s.name().getBytes(StandardCharsets.UTF_8).length) >= 0)
          .toList();
      assertThat(some.samples()).as(what + " samples with " + wanted).isEqualTo(expected);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("fixtures")
  void fixturePage_andDamagedCopies(String name) throws IOException {
    byte[] page = fixture(name);
    assertInvariant(page, name);
    Random random = new Random(name.hashCode());
    for (int copy = 0; copy < COPIES; copy++) {
      byte[] damaged = damage(page, random);
      assertInvariant(damaged, name + " copy " + copy + ":\n" + new String(damaged, StandardCharsets.UTF_8));
    }
  }

  /** One to four edits: a byte replaced, inserted or deleted, or a line repeated. */
  private static byte[] damage(byte[] page, Random random) {
    byte[] b = page;
    int edits = 1 + random.nextInt(4);
    for (int e = 0; e < edits && b.length > 0; e++) {
      int at = random.nextInt(b.length);
      byte x = DAMAGE[random.nextInt(DAMAGE.length)];
      switch (random.nextInt(4)) {
        case 0 -> {
          b = b.clone();
          b[at] = x;
        }
        case 1 -> {
          byte[] c = new byte[b.length + 1];
          System.arraycopy(b, 0, c, 0, at);
          c[at] = x;
          System.arraycopy(b, at, c, at + 1, b.length - at);
          b = c;
        }
        case 2 -> {
          byte[] c = new byte[b.length - 1];
          System.arraycopy(b, 0, c, 0, at);
          System.arraycopy(b, at + 1, c, at, b.length - at - 1);
          b = c;
        }
        default -> {
          int ls = at;
          while (ls > 0 && b[ls - 1] != '\n') {
            ls--;
          }
          int le = at;
          while (le < b.length && b[le] != '\n') {
            le++;
          }
          le = Math.min(le + 1, b.length);
          byte[] c = new byte[b.length + (le - ls)];
          System.arraycopy(b, 0, c, 0, le);
          System.arraycopy(b, ls, c, le, b.length - ls);
          b = c;
        }
      }
    }
    return b;
  }
}
