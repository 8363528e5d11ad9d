package dev.loadfuse.engine.prometheus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrometheusTextParserTest {

  private static ParsedPage parse(String text) {
    return PrometheusTextParser.parseAll(text);
  }

  private static ParsedSample only(String text) {
    ParsedPage page = parse(text);
    assertThat(page.diagnostics().skippedLines()).as("skipped lines").isZero();
    assertThat(page.samples()).hasSize(1);
    return page.samples().get(0);
  }

  @Test
  void sampleWithLabels_nameLabelsAndValueRead() {
    ParsedSample s =
        only("vllm:num_requests_running{model_name=\"Qwen/Qwen2.5\",engine=\"0\"} 3.0\n");
    assertThat(s.name()).isEqualTo("vllm:num_requests_running");
    assertThat(s.labels()).containsExactly(
        Map.entry("model_name", "Qwen/Qwen2.5"), Map.entry("engine", "0"));
    assertThat(s.value()).isEqualTo(3.0);
    assertThat(s.line()).isEqualTo(1);
    assertThat(s.timestamp()).isEmpty();
  }

  @Test
  void sampleWithoutLabels_read() {
    ParsedSample s = only("process_open_fds 45.0");
    assertThat(s.name()).isEqualTo("process_open_fds");
    assertThat(s.labels()).isEmpty();
    assertThat(s.value()).isEqualTo(45.0);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
    "1.7537953269352946e+09, 1.7537953269352946e+09",
    "9.75010481363281e-06, 9.75010481363281e-06",
    "1.048576e+06, 1048576",
    "439.71999999999997, 439.71999999999997",
    "7.400757e+06, 7400757",
    "1E3, 1000",
    "2826, 2826",
    "0, 0",
    "-1.0, -1",
    "40.000000, 40",
    "0.120000, 0.12",
    "0.07500000000000001, 0.07500000000000001",
    "9223372036854775794, 9.223372036854775807E18",
    ".5, 0.5",
    "5., 5",
    "+3, 3",
  })
  void numberFormats_parsedLikeDoubleParseDouble(String text, double expected) {
    assertThat(only("m " + text).value()).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
    "NaN, NaN",
    "nan, NaN",
    "+Inf, Infinity",
    "Inf, Infinity",
    "-Inf, -Infinity",
    "+inf, Infinity",
    "Infinity, Infinity",
    "-infinity, -Infinity",
  })
  void nanAndInfinities_read(String text, double expected) {
    // Boxed: Double.equals treats NaN as equal to itself.
    assertThat(Double.valueOf(only("m " + text).value())).isEqualTo(Double.valueOf(expected));
  }

  @Test
  void plusInfInLeLabel_isAString() {
    ParsedSample s = only("h_bucket{le=\"+Inf\"} 11008.0");
    assertThat(s.labels()).containsEntry("le", "+Inf");
  }

  @Test
  void labelValuesWithSpacesCommasEqualsAndBraces_keptVerbatim() {
    ParsedSample s =
        only("vllm:vllm_config_info{a=\"x, y=z (w) {v}\",b=\"4294967296.0\",c=\"[]\"} 1.0");
    assertThat(s.labels()).containsExactlyInAnyOrderEntriesOf(Map.of("a", "x, y=z (w) {v}", "b", "4294967296.0", "c", "[]"));
  }

  @Test
  void escapesInLabelValues_unescaped() {
    ParsedSample s = only("m{a=\"say \\\"hi\\\"\",b=\"C:\\\\models\",c=\"two\\nlines\"} 1");
    assertThat(s.labels()).containsExactlyInAnyOrderEntriesOf(Map.of("a", "say \"hi\"", "b", "C:\\models", "c", "two\nlines"));
  }

  @Test
  void unknownEscape_keptLiterally() {
    assertThat(only("m{a=\"x\\ty\"} 1").labels()).containsEntry("a", "x\\ty");
  }

  @Test
  void utf8LabelValue_decoded() {
    assertThat(only("m{a=\"modèle-日本\"} 1").labels()).containsEntry("a", "modèle-日本");
  }

  @Test
  void labelNameStartingWithUnderscore_read() {
    assertThat(only("vllm:cache_config_info{_block_size_resolved=\"16\"} 1.0").labels())
        .containsEntry("_block_size_resolved", "16");
  }

  @Test
  void commaSpaceBetweenLabelsAndTrailingComma_read() {
    ParsedSample s = only("DCGM_FI_DEV_SM_CLOCK{gpu=\"0\", UUID=\"GPU-60\", } 139");
    assertThat(s.labels()).containsExactly(Map.entry("gpu", "0"), Map.entry("UUID", "GPU-60"));
    assertThat(s.value()).isEqualTo(139);
  }

  @Test
  void emptyLabelSetAndTabs_read() {
    ParsedSample s = only("m{}\t7\t");
    assertThat(s.labels()).isEmpty();
    assertThat(s.value()).isEqualTo(7);
  }

  @Test
  void noBlankBetweenBraceAndValue_read() {
    assertThat(only("m{a=\"b\"}2").value()).isEqualTo(2);
  }

  @Test
  void helpAndTypeWithoutSamples_noSamplesNoErrors() {
    ParsedPage page =
        parse(
            """
            # HELP vllm:num_requests_running Number of requests currently running on GPU.
            # TYPE vllm:num_requests_running gauge
            # HELP vllm:num_preemptions_total Cumulative number of preemption from the engine.
            """);
    assertThat(page.samples()).isEmpty();
    assertThat(page.diagnostics()).isEqualTo(new ParseDiagnostics(3, 0, 0, Optional.empty()));
  }

  @Test
  void duplicateHelpAndTypeAndTypeWithoutHelp_tolerated() {
    ParsedPage page =
        parse(
            """
            # HELP g first
            # HELP g second
            # TYPE g gauge
            # TYPE g gauge
            # TYPE h histogram
            g 1
            """);
    assertThat(page.diagnostics().skippedLines()).isZero();
    assertThat(page.samples()).hasSize(1);
    assertThat(page.samples().get(0).declaredType()).isEqualTo(MetricType.GAUGE);
  }

  @Test
  void sampleWithTimestamp_valueAndTimestampRead() {
    ParsedSample s = only("http_requests_total{method=\"post\",code=\"200\"} 1027 1395066363000");
    assertThat(s.value()).isEqualTo(1027);
    assertThat(s.timestamp()).hasValue(1395066363000.0);
  }

  @Test
  void negativeTimestamp_read() {
    assertThat(only("m 1 -1395066363000").timestamp()).hasValue(-1395066363000.0);
  }

  @Test
  void familiesInAnyOrder_typeAfterSamplesDoesNotApplyBackwards() {
    ParsedPage page =
        parse(
            """
            # TYPE a gauge
            # TYPE b counter
            b 2
            a 1
            c 3
            # TYPE c summary
            """);
    assertThat(page.samples()).extracting(ParsedSample::name).containsExactly("b", "a", "c");
    assertThat(page.samples())
        .extracting(ParsedSample::declaredType)
        .containsExactly(MetricType.COUNTER, MetricType.GAUGE, MetricType.UNTYPED);
  }

  @Test
  void blankLinesCrLfAndLeadingBlanks_tolerated() {
    ParsedPage page = parse("\r\n  a 1\r\n\n\t# HELP b x\r\nb 2\r\n\n");
    assertThat(page.diagnostics().skippedLines()).isZero();
    assertThat(page.samples()).extracting(ParsedSample::value).containsExactly(1.0, 2.0);
    assertThat(page.samples()).extracting(ParsedSample::line).containsExactly(2, 5);
  }

  @Test
  void literalEllipsisLines_skippedAndCountedWithLineNumber() {
    ParsedPage page =
        parse(
            """
            # TYPE DCGM_FI_DEV_SM_CLOCK gauge
            ...
            DCGM_FI_DEV_SM_CLOCK{gpu="0"} 139
            ...
            """);
    assertThat(page.samples()).hasSize(1);
    assertThat(page.diagnostics().skippedLines()).isEqualTo(2);
    assertThat(page.diagnostics().firstError())
        .hasValue(new ParseError(2, "invalid metric name at column 1: \"...\""));
  }

  @Test
  void openMetricsEof_endsThePage() {
    ParsedPage page = parse("# TYPE a counter\na_total 1\n# EOF\na_total 2\ngarbage\n");
    assertThat(page.samples()).extracting(ParsedSample::value).containsExactly(1.0);
    assertThat(page.diagnostics().lineCount()).isEqualTo(3);
    assertThat(page.diagnostics().skippedLines()).isZero();
  }

  @Test
  void openMetricsExemplarsAndUnit_ignored() {
    ParsedPage page =
        parse(
            """
            # TYPE foo counter
            # UNIT foo seconds
            foo_total 17.0 # {trace_id="KOO5S4vxi0o"} 0.67
            foo_total{a="b"} 18.0 1520879607.789 # {trace_id="oHg5SJYRHA0"} 9.8 1520879607.789
            # TYPE h histogram
            h_bucket{le="0.01"} 0 # {id="x"} 0.004
            """);
    assertThat(page.diagnostics().skippedLines()).isZero();
    assertThat(page.samples()).extracting(ParsedSample::value).containsExactly(17.0, 18.0, 0.0);
    assertThat(page.samples().get(1).timestamp()).hasValue(1520879607.789);
  }

  @Test
  void createdSamples_neverMatchTheCounterName() {
    String text =
        """
        # TYPE vllm:prefix_cache_queries_created gauge
        vllm:prefix_cache_queries_created{engine="0"} 1.7537953269352946e+09
        # TYPE vllm:prefix_cache_queries_total counter
        vllm:prefix_cache_queries_total{engine="0"} 32.0
        """;
    List<Double> values = new ArrayList<>();
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    new PrometheusTextParser(WantedNames.of("vllm:prefix_cache_queries_total", "vllm:prefix_cache_queries"))
        .parse(b, 0, b.length, s -> values.add(s.value()));
    assertThat(values).containsExactly(32.0);
  }

  @Test
  void onlyWantedSamples_reachTheVisitorButAllAreCounted() {
    byte[] b = "a 1\nb{x=\"1\"} 2\nb{x=\"2\"} 3\nc 4\n".getBytes(StandardCharsets.UTF_8);
    List<String> seen = new ArrayList<>();
    ParseDiagnostics d =
        new PrometheusTextParser(WantedNames.of("b"))
            .parse(b, 0, b.length, s -> seen.add(s.nameIndex() + ":" + s.labelValue("x") + "=" + s.value()));
    assertThat(seen).containsExactly("0:1=2.0", "0:2=3.0");
    assertThat(d.sampleCount()).isEqualTo(4);
    assertThat(d.lineCount()).isEqualTo(4);
  }

  @Test
  void malformedLinesInUnwantedFamilies_stillCounted() {
    byte[] b = "other{a=\"x} 1\nwanted 2\nother 1.2.3\n".getBytes(StandardCharsets.UTF_8);
    List<Double> values = new ArrayList<>();
    ParseDiagnostics d =
        new PrometheusTextParser(WantedNames.of("wanted")).parse(b, 0, b.length, s -> values.add(s.value()));
    assertThat(values).containsExactly(2.0);
    assertThat(d.skippedLines()).isEqualTo(2);
    assertThat(d.firstError()).hasValueSatisfying(e -> assertThat(e.line()).isEqualTo(1));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '\'',
      value = {
        "m 1.2.3                 | invalid value at column 3: \"m 1.2.3\"",
        "m abc                   | invalid value at column 3: \"m abc\"",
        "m 1e                    | invalid value at column 3: \"m 1e\"",
        "m 0x1p3                 | invalid value at column 3: \"m 0x1p3\"",
        "m                       | missing value at column 2: \"m\"",
        "m{a=\"b\"}              | missing value at column 9: \"m{a=\"b\"}\"",
        "m{a=\"b} 1              | unterminated label value at column 5: \"m{a=\"b} 1\"",
        "m{a=\"b\\\"} 1          | unterminated label value at column 5: \"m{a=\"b\\\"} 1\"",
        "m{a=\"b\" 1             | expected ',' or '}' after the label value at column 9: \"m{a=\"b\" 1\"",
        "m{a=\"b\",               | unterminated label set at column 9: \"m{a=\"b\",\"",
        "m{a=b} 1                | expected '\"' to open the label value at column 5: \"m{a=b} 1\"",
        "m{a} 1                  | expected '=' after the label name at column 4: \"m{a} 1\"",
        "m{1a=\"b\"} 1           | invalid label name at column 3: \"m{1a=\"b\"} 1\"",
        "m{a.b=\"c\"} 1          | expected '=' after the label name at column 4: \"m{a.b=\"c\"} 1\"",
        "m 1 2 3                 | unexpected text after the sample at column 7: \"m 1 2 3\"",
        "m 1 NaN                 | invalid timestamp at column 5: \"m 1 NaN\"",
        "m-x 1                   | invalid metric name at column 2: \"m-x 1\"",
        "1m 1                    | invalid metric name at column 1: \"1m 1\"",
        "<html><body>            | invalid metric name at column 1: \"<html><body>\"",
        "# TYPE m gauges         | TYPE line without a valid metric name and type at column 10: \"# TYPE m gauges\"",
        "# TYPE m                | TYPE line without a valid metric name and type at column 9: \"# TYPE m\"",
        "# TYPE m gauge extra    | TYPE line without a valid metric name and type at column 16: \"# TYPE m gauge extra\"",
        "# HELP                  | HELP line without a valid metric name at column 7: \"# HELP\"",
        "# HELP 9x text          | HELP line without a valid metric name at column 8: \"# HELP 9x text\"",
      })
  void malformedLine_skippedWithReason(String line, String reason) {
    ParsedPage page = parse("good 1\n" + line.strip() + "\ngood 2\n");
    assertThat(page.samples()).extracting(ParsedSample::value).containsExactly(1.0, 2.0);
    assertThat(page.diagnostics().skippedLines()).isEqualTo(1);
    assertThat(page.diagnostics().firstError()).hasValue(new ParseError(2, reason));
    assertThat(page.diagnostics().firstError().orElseThrow().toString())
        .isEqualTo("line 2: " + reason);
  }

  @Test
  void plainCommentsAndUnknownKeywords_ignored() {
    ParsedPage page = parse("# just a comment\n#\n# HELPER not a help line\n#EOFX\na 1\n");
    assertThat(page.diagnostics().skippedLines()).isZero();
    assertThat(page.samples()).hasSize(1);
  }

  @Test
  void longMalformedLine_excerptTruncated() {
    String garbage = "!".repeat(200);
    ParseError e = parse(garbage).diagnostics().firstError().orElseThrow();
    assertThat(e.reason()).isEqualTo("invalid metric name at column 1: \"" + "!".repeat(80) + "...\"");
  }

  @Test
  void pageOverTheLimit_rejectedWithClearMessage() {
    byte[] b = "a 1\n".repeat(10).getBytes(StandardCharsets.UTF_8);
    PrometheusTextParser parser = new PrometheusTextParser(WantedNames.ALL, 39);
    assertThatThrownBy(() -> parser.parse(b, 0, b.length, s -> {}))
        .isInstanceOf(PageTooLargeException.class)
        .hasMessage("metrics page too large: 40 bytes (limit: 39 bytes)");
    assertThat(new PrometheusTextParser(WantedNames.ALL, 40).parse(b, 0, b.length, s -> {}).sampleCount())
        .isEqualTo(10);
  }

  @Test
  void defaultLimit_is16MiB() {
    assertThat(new PrometheusTextParser(WantedNames.ALL).maxPageBytes()).isEqualTo(16 * 1024 * 1024);
  }

  @Test
  void sliceOfALargerArray_onlyTheSliceParsed() {
    byte[] b = "xx\na 1\nb 2\nzz".getBytes(StandardCharsets.UTF_8);
    List<String> names = new ArrayList<>();
    ParseDiagnostics d = new PrometheusTextParser(WantedNames.ALL).parse(b, 3, 8, s -> names.add(s.name()));
    assertThat(names).containsExactly("a", "b");
    assertThat(d.skippedLines()).isZero();
  }

  @Test
  void byteOrderMark_skipped() {
    byte[] text = "a 1\n".getBytes(StandardCharsets.UTF_8);
    byte[] b = new byte[text.length + 3];
    b[0] = (byte) 0xEF;
    b[1] = (byte) 0xBB;
    b[2] = (byte) 0xBF;
    System.arraycopy(text, 0, b, 3, text.length);
    assertThat(PrometheusTextParser.parseAll(b).samples()).hasSize(1);
  }

  @Test
  void emptyPage_noLines() {
    assertThat(parse("").diagnostics()).isEqualTo(ParseDiagnostics.EMPTY);
  }

  @Test
  void parserReused_stateResetBetweenPages() {
    PrometheusTextParser parser = new PrometheusTextParser(WantedNames.of("s"));
    byte[] first = "# TYPE s summary\ns{quantile=\"0.5\"} 1\n...\n".getBytes(StandardCharsets.UTF_8);
    byte[] second = "s 2\n".getBytes(StandardCharsets.UTF_8);
    List<MetricType> types = new ArrayList<>();
    assertThat(parser.parse(first, 0, first.length, s -> types.add(s.declaredType())).skippedLines())
        .isEqualTo(1);
    ParseDiagnostics d = parser.parse(second, 0, second.length, s -> types.add(s.declaredType()));
    assertThat(d.skippedLines()).isZero();
    assertThat(d.firstError()).isEmpty();
    assertThat(types).containsExactly(MetricType.SUMMARY, MetricType.UNTYPED);
  }

  @Test
  void sampleView_byteLevelLabelAccess() {
    byte[] b = "m{a=\"x\\\"y\",b=\"z\"} 1".getBytes(StandardCharsets.UTF_8);
    new PrometheusTextParser(WantedNames.of("m"))
        .parse(
            b,
            0,
            b.length,
            s -> {
              assertThat(s.labelCount()).isEqualTo(2);
              assertThat(s.indexOfLabel("b".getBytes(StandardCharsets.UTF_8))).isEqualTo(1);
              assertThat(s.indexOfLabel("c".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
              assertThat(s.labelValueEquals(0, "x\"y".getBytes(StandardCharsets.UTF_8))).isTrue();
              assertThat(s.labelValueEquals(0, "x\"".getBytes(StandardCharsets.UTF_8))).isFalse();
              assertThat(s.labelValueEquals(1, "z".getBytes(StandardCharsets.UTF_8))).isTrue();
              assertThat(s.labelName(0)).isEqualTo("a");
              byte[] dst = new byte[s.labelValueRawLength(0) + 2];
              int n = s.copyLabelValue(0, dst, 2);
              assertThat(new String(dst, 2, n, StandardCharsets.UTF_8)).isEqualTo("x\"y");
              assertThatThrownBy(() -> s.copyLabelValue(0, new byte[2], 0))
                  .isInstanceOf(IndexOutOfBoundsException.class);
              assertThatThrownBy(() -> s.labelName(2))
                  .isInstanceOf(IndexOutOfBoundsException.class)
                  .hasMessage("label 2 (expected: [0, 2))");
            });
  }
}
