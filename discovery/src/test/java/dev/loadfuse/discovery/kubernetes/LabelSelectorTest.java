package dev.loadfuse.discovery.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class LabelSelectorTest {

  private static final Map<String, String> VLLM_GPU = Map.of("app", "vllm", "tier", "gpu");
  private static final Map<String, String> SGLANG = Map.of("app", "sglang", "canary", "yes");

  static Stream<Arguments> selectors() {
    return Stream.of(
        // text, matches VLLM_GPU, matches SGLANG, canonical text
        Arguments.of("app=vllm", true, false, "app=vllm"),
        Arguments.of("app==vllm", true, false, "app=vllm"),
        Arguments.of(" app = vllm , tier = gpu ", true, false, "app=vllm,tier=gpu"),
        Arguments.of("app!=vllm", false, true, "app!=vllm"),
        Arguments.of("tier!=cpu", true, true, "tier!=cpu"), // absent label meets !=
        Arguments.of("app in (vllm, sglang)", true, true, "app in (sglang,vllm)"),
        Arguments.of("app notin (vllm)", false, true, "app notin (vllm)"),
        Arguments.of("tier notin (cpu)", true, true, "tier notin (cpu)"),
        Arguments.of("canary", false, true, "canary"),
        Arguments.of("!canary", true, false, "!canary"),
        Arguments.of("app in (vllm,sglang),!canary,tier", true, false, "app in (sglang,vllm),!canary,tier"),
        Arguments.of("example.com/role=decode", false, false, "example.com/role=decode"),
        Arguments.of("app=", false, false, "app="));
  }

  @ParameterizedTest
  @MethodSource("selectors")
  void parse_matchesAsKubernetes_andPrintsBack(String text, boolean vllm, boolean sglang, String canonical) {
    LabelSelector s = LabelSelector.parse(text);
    assertThat(s.matches(VLLM_GPU)).as("vllm pod").isEqualTo(vllm);
    assertThat(s.matches(SGLANG)).as("sglang pod").isEqualTo(sglang);
    assertThat(s).hasToString(canonical);
    assertThat(LabelSelector.parse(s.toString())).isEqualTo(s);
  }

  static Stream<Arguments> bad() {
    return Stream.of(
        Arguments.of("", "empty (expected: " + LabelSelector.EXPECTED + "; an empty selector would select every pod)"),
        Arguments.of("app in (vllm", "\"app in (vllm\": after \"app in (\": missing \")\""),
        Arguments.of("app in vllm", "\"app in vllm\": after \"app in\": missing \"(\""),
        Arguments.of("app within (a)", "\"app within (a)\": after key \"app\": \"within\" (expected: =, ==, !=, in or notin)"),
        Arguments.of("app=vllm,", "\"app=vllm,\": missing a label key at the end"),
        Arguments.of("=vllm", "\"=vllm\": missing a label key at position 1"),
        Arguments.of("app=v@llm", "\"app=v@llm\": unexpected \"@\" at position 6"),
        Arguments.of("-app=x", "\"-app=x\": label key \"-app\" (expected: at most 63 letters, digits, '-', '_' or '.',"
            + " starting and ending with a letter or digit)"),
        Arguments.of("Bad_Prefix/x=1", "\"Bad_Prefix/x=1\": label key \"Bad_Prefix/x\": bad prefix (expected: a DNS subdomain before \"/\")"));
  }

  @ParameterizedTest
  @MethodSource("bad")
  void badSelector_saysWhatAndWhere(String text, String message) {
    assertThatThrownBy(() -> LabelSelector.parse(text)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
  }

  @Test
  void toKubernetes_isMatchExpressions() {
    var k = LabelSelector.parse("app=vllm,tier notin (cpu),!canary").toKubernetes();
    assertThat(k.getMatchExpressions()).extracting(e -> e.getKey() + " " + e.getOperator() + " " + e.getValues())
        .containsExactly("app In [vllm]", "tier NotIn [cpu]", "canary DoesNotExist []");
  }

  @Test
  void tooManyRequirements_refused() {
    String text = String.join(",", java.util.Collections.nCopies(LabelSelector.MAX_REQUIREMENTS + 1, "a"));
    assertThatThrownBy(() -> LabelSelector.parse(text)).hasMessageEndingWith(
        "more than " + LabelSelector.MAX_REQUIREMENTS + " requirements");
  }
}
