package dev.loadfuse.engine.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MetricSpecTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "vllm:num_requests_waiting                                   | vllm:num_requests_waiting",
        "  vllm:num_requests_waiting  | vllm:num_requests_waiting",
        "name{}                                                      | name",
        "nv_trt_llm_request_metrics{request_type=waiting}            | nv_trt_llm_request_metrics{request_type=\"waiting\"}",
        "nv_trt_llm_request_metrics{request_type=\"waiting\"}        | nv_trt_llm_request_metrics{request_type=\"waiting\"}",
        "name{label=\"value\",other=v2}                              | name{label=\"value\",other=\"v2\"}",
        "name{ label = value , other = 'v 2' , }                     | name{label=\"value\",other=\"v 2\"}",
        "name{path=/models/llama-3/,ver=1.0}                         | name{path=\"/models/llama-3/\",ver=\"1.0\"}",
        "name{a=\"x,y}z\",b=\"q\\\"uote\"}                           | name{a=\"x,y}z\",b=\"q\\\"uote\"}",
        "name{_private=\"\"}                                         | name{_private=\"\"}",
      })
  void validSpec_parsedToCanonicalForm(String text, String canonical) {
    MetricSpec spec = MetricSpec.parse(text);
    assertThat(spec.canonical()).isEqualTo(canonical);
    assertThat(spec.text()).isEqualTo(text.strip());
  }

  @Test
  void labelMatchers_inOrderWithUnquotedValues() {
    MetricSpec spec = MetricSpec.parse("m{b=2,a=\"1\"}");
    assertThat(spec.name()).isEqualTo("m");
    assertThat(spec.matchers())
        .containsExactly(new LabelMatcher("b", "2"), new LabelMatcher("a", "1"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   "})
  void emptySpec_meansDisabled(String text) {
    assertThat(MetricSpec.parseOptional(text)).isEmpty();
    assertThat(MetricSpec.parseOptional(null)).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '`',
      value = {
        "vllm:x{a=            | 9  | unterminated label matcher",
        "vllm:x{a             | 8  | unterminated label matcher",
        "vllm:x{              | 7  | unterminated label matcher",
        "vllm:x{a=b           | 10 | unterminated label matcher",
        "vllm:x{a=\"b         | 9  | unterminated quoted label value",
        "vllm:x{a!=b}         | 8  | only equality matchers (=) are supported",
        "vllm:x{a=~b}         | 8  | only equality matchers (=) are supported",
        "vllm:x{a b}          | 9  | expected '=' after the label name",
        "vllm:x{1a=b}         | 7  | expected a label name",
        "vllm:x{a=,b=c}       | 9  | expected a label value",
        "vllm:x{a=\"b\"c}      | 12 | expected ',' or '}' after the label value",
        "vllm:x{a=b,a=c}      | 11 | duplicate label matcher \"a\"",
        "vllm:x{a=b} extra    | 12 | unexpected text after '}'",
        "vllm:x extra         | 7  | expected '{' or the end of the spec",
        "vllm-x               | 4  | expected '{' or the end of the spec",
        "9lives               | 0  | expected a metric name",
        "{a=b}                | 0  | expected a metric name",
      })
  void invalidSpec_errorQuotesSpecAndPosition(String text, int position, String reason) {
    assertThatThrownBy(() -> MetricSpec.parse(text))
        .isInstanceOf(InvalidMetricSpecException.class)
        .hasMessage("invalid metric spec \"" + text + "\" at position " + position + ": " + reason);
  }

  @Test
  void parseOfEmpty_isAnError() {
    assertThatThrownBy(() -> MetricSpec.parse(""))
        .hasMessage("invalid metric spec \"\" at position 0: empty spec");
  }

  @Test
  void recordValidation_messagesNameTheField() {
    assertThatThrownBy(() -> new MetricSpec("x", "bad name", List.of()))
        .hasMessage("name: \"bad name\" (expected: a metric name [a-zA-Z_:][a-zA-Z0-9_:]*)");
    assertThatThrownBy(() -> new LabelMatcher("a:b", "v"))
        .hasMessage("name: \"a:b\" (expected: a label name [a-zA-Z_][a-zA-Z0-9_]*)");
  }
}
