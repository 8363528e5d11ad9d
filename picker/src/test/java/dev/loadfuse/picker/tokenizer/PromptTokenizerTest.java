package dev.loadfuse.picker.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Qwen3's tokenizer and chat template against ids and renders produced by the reference
 * implementations (Rust HF tokenizers, cross-checked with transformers.js; Python jinja2 as HF and
 * vLLM configure it): test resources {@code tokenizer/}, provenance in its {@code GENERATED.md}
 * and {@code qwen3/SOURCE.md}.
 */
class PromptTokenizerTest {

  static final ObjectMapper JSON = new ObjectMapper();
  static PromptTokenizer qwen3;

  static Path resource(String name) throws URISyntaxException {
    return Path.of(PromptTokenizerTest.class.getResource("/tokenizer/" + name).toURI());
  }

  static List<JsonNode> lines(String name) throws Exception {
    List<JsonNode> out = new ArrayList<>();
    for (String l : Files.readAllLines(resource(name), StandardCharsets.UTF_8)) {
      if (!l.isBlank()) {
        out.add(JSON.readTree(l));
      }
    }
    return out;
  }

  @BeforeAll
  static void load() throws Exception {
    qwen3 = PromptTokenizer.load(resource("qwen3"));
  }

  @AfterAll
  static void close() {
    qwen3.close();
  }

  static int[] ints(JsonNode array) {
    int[] out = new int[array.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = array.get(i).asInt();
    }
    return out;
  }

  static Stream<String> corpusIds() throws Exception {
    return lines("expected-encode.jsonl").stream().map(n -> n.get("id").asText());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("corpusIds")
  void encodesTheCorpusAsTheReference(String id) throws Exception {
    String text = lines("corpus.jsonl").stream().filter(n -> n.get("id").asText().equals(id)).findFirst().orElseThrow()
        .get("text").asText();
    JsonNode expected = lines("expected-encode.jsonl").stream().filter(n -> n.get("id").asText().equals(id)).findFirst()
        .orElseThrow();
    assertThat(qwen3.encode(text, false)).containsExactly(ints(expected.get("ids_no_special")));
    assertThat(qwen3.encode(text, true)).containsExactly(ints(expected.get("ids_with_special")));
  }

  static Stream<String> chatIds() throws Exception {
    return lines("chats.jsonl").stream().map(n -> n.get("id").asText());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("chatIds")
  void rendersAndEncodesChatsAsVllm(String id) throws Exception {
    JsonNode chat = lines("chats.jsonl").stream().filter(n -> n.get("id").asText().equals(id)).findFirst().orElseThrow();
    JsonNode expected = lines("expected-chat.jsonl").stream().filter(n -> n.get("id").asText().equals(id)).findFirst()
        .orElseThrow();
    List<?> messages = JSON.convertValue(chat.get("messages"), List.class);
    List<?> tools = chat.has("tools") ? JSON.convertValue(chat.get("tools"), List.class) : null;
    @SuppressWarnings("unchecked")
    Map<String, ?> kwargs = chat.has("chat_template_kwargs") ? JSON.convertValue(chat.get("chat_template_kwargs"), Map.class) : null;
    assertThat(qwen3.render(messages, tools, kwargs)).isEqualTo(expected.get("prompt").asText());
    assertThat(qwen3.chat(messages, tools, kwargs)).containsExactly(ints(expected.get("prompt_token_ids")));
  }

  @Test
  void longTextsAreNotTruncated() throws Exception {
    JsonNode longest = lines("expected-encode.jsonl").stream().max(java.util.Comparator.comparingInt(n -> n.get("num_tokens").asInt())).orElseThrow();
    assertThat(longest.get("num_tokens").asInt()).isGreaterThan(8000);
  }

  @Test
  void badInputsNameTheProblem(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> PromptTokenizer.load(dir)).isInstanceOf(TokenizerException.class)
        .hasMessage(dir.resolve("tokenizer.json") + ": missing (expected: a Hugging Face tokenizer.json)");
    Files.writeString(dir.resolve("tokenizer.json"), "{not json");
    assertThatThrownBy(() -> PromptTokenizer.load(dir)).isInstanceOf(TokenizerException.class)
        .hasMessageStartingWith(dir.resolve("tokenizer.json") + ": cannot load");
    assertThatThrownBy(() -> ChatTemplate.of("{{ raise_exception('no tools here') }}").render(Map.of()))
        .isInstanceOf(TokenizerException.class).hasMessageContaining("no tools here");
    assertThatThrownBy(() -> ChatTemplate.of("{% for x in %}").render(Map.of()))
        .isInstanceOf(TokenizerException.class).hasMessageStartingWith("chat template:");
  }

  @Test
  void pythonCompatibleHelpers() {
    assertThat(ChatTemplate.PythonToJson.pythonFloat(1e-5)).isEqualTo("1e-05");
    assertThat(ChatTemplate.PythonToJson.pythonFloat(2.0)).isEqualTo("2.0");
    assertThat(ChatTemplate.PythonToJson.pythonFloat(1e16)).isEqualTo("1e+16");
    assertThat(ChatTemplate.PythonStrings.split("x</think>", "</think>", -1)).containsExactly("x", "");
    assertThat(ChatTemplate.rewrite("{% set ns = namespace(a=true, b=messages|length - 1) %}{{ m[::-1] }}"))
        .isEqualTo("{% set ns = namespace(a=(true), b=(messages|length - 1)) %}{{ (m|reverse|list) }}");
  }

}
