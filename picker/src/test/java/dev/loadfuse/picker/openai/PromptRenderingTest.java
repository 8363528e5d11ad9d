package dev.loadfuse.picker.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.PickerException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class PromptRenderingTest {

  private static RequestBody parse(Api api, String json, int chars) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return RequestBody.parse(api, b, b.length, chars);
  }

  private static String chat(String json) {
    return parse(Api.CHAT_COMPLETIONS, json, 100_000).prompt();
  }

  @Test
  void chatMessages_renderTheSame_whateverTheKeyOrderAndWhitespace() {
    String a = chat("""
        {"model":"m","messages":[{"role":"system","content":"Be brief."},
          {"role":"user","name":"ann","content":[{"type":"text","text":"Hi"},{"type":"image_url","image_url":{"url":"u","detail":"low"}}]}]}""");
    String b = chat("""
        { "messages" : [ { "content" : "Be brief.", "role" : "system" } ,
          {"content":[{"text":"Hi","type":"text"},{"image_url":{"detail":"low","url":"u"},"type":"image_url"}],"name":"ann","role":"user"} ],
          "model" : "m" }""");
    assertThat(a).isEqualTo(b).isEqualTo("""
        <|system|>
        Be brief.
        <|user|>
        Hi
        {"image_url":{"detail":"low","url":"u"},"type":"image_url"}
        
        <|name|>"ann"
        """);
  }

  @Test
  void aConversationThatGrows_rendersWithThePreviousTextAsPrefix() {
    String one = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"What is KV cache?\"}]}");
    String two = chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"What is KV cache?\"},"
        + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"1\",\"type\":\"function\"}]},"
        + "{\"role\":\"tool\",\"tool_call_id\":\"1\",\"content\":\"...\"}]}");
    assertThat(two).startsWith(one).contains("<|tool_calls|>[{\"id\":\"1\",\"type\":\"function\"}]");
  }

  @Test
  void completionPrompts_stringListAndTokenIds() {
    assertThat(parse(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"Hello\\nworld\"}", 100).prompt()).isEqualTo("Hello\nworld");
    assertThat(parse(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[\"a\",\"b\"]}", 100).prompt()).isEqualTo("a\nb\n");
    assertThat(parse(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[1,22,333]}", 100).prompt()).isEqualTo("1 22 333 ");
    assertThat(parse(Api.RESPONSES, "{\"model\":\"m\",\"input\":\"q\"}", 100).prompt()).isEqualTo("q");
  }

  @Test
  void onlyTheRequestedCharacters_areRendered_andNoneWhenNoneAreRequested() {
    String body = "{\"model\":\"m\",\"prompt\":\"" + "x".repeat(10_000) + "\",\"cache_salt\":\"s1\"}";
    RequestBody r = parse(Api.COMPLETIONS, body, 64);
    assertThat(r.prompt()).hasSize(64);
    assertThat(r.cacheSalt()).isEqualTo("s1");
    assertThat(parse(Api.COMPLETIONS, body, 0).prompt()).isEmpty();
    assertThat(chat("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "y".repeat(200_000) + "\"}]}"))
        .hasSize(100_000);
  }

  @Test
  void requiredFieldChecks_stillHold_whenThePromptIsRendered() {
    assertThatThrownBy(() -> parse(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[]}", 100))
        .isInstanceOf(PickerException.class)
        .hasMessageEndingWith("invalid chat completions request: must have valid messages field");
    assertThatThrownBy(() -> parse(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":null}", 100))
        .hasMessageEndingWith("invalid completions request: must have prompt field (prompt: expected a string or a list of strings)");
    assertThatThrownBy(() -> parse(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"p\",\"cache_salt\":7}", 100))
        .hasMessageEndingWith("invalid completions request: must have prompt field (cache_salt: expected a string)");
  }
}
