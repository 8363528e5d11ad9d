package dev.loadfuse.picker.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.PickerException;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Request bodies as the reference's {@code openai-parser} (GIE v1.5) reads them: each body's API,
 * accepted or refused with the reference's message, the same with and without the prompt rendered
 * (the prefix scorers read it). Cases from the reference's parser and type decoding, and ours:
 * {@code ""} is a model name; the API's field is checked before {@code model}; a prompt of token ids
 * is accepted, beyond the reference.
 */
class ReferenceRequestParsingTest {

  /** API | body | "" when accepted, else the start of the refusal's message. */
  private static final String TABLE = """
      COMPLETIONS | {"model":"","prompt":"p"} |
      COMPLETIONS | {"prompt":"p"} | model not found in request body
      COMPLETIONS | {"model":null,"prompt":"p"} | model not found in request body
      COMPLETIONS | {"model":7} | invalid completions request: must have prompt field
      COMPLETIONS | {"model":"m","prompt":["a","b"]} |
      COMPLETIONS | {"model":"m","prompt":["a",null]} |
      COMPLETIONS | {"model":"m","prompt":[1,2,3]} |
      COMPLETIONS | {"model":"m","prompt":[[1,2],[3]]} |
      COMPLETIONS | {"model":"m","prompt":""} | invalid completions request: must have prompt field
      COMPLETIONS | {"model":"m","prompt":[]} | invalid completions request: must have prompt field
      COMPLETIONS | {"model":"m","prompt":{"a":1}} | invalid completions request: must have prompt field (prompt: expected
      COMPLETIONS | {"model":"m","prompt":["a",{}]} | invalid completions request: must have prompt field (prompt[1]: expected
      COMPLETIONS | {"model":"m","prompt":[[1,"x"]]} | invalid completions request: must have prompt field (prompt[0]: expected
      COMPLETIONS | {"model":"m","prompt":"p","cache_salt":null} |
      CHAT_COMPLETIONS | {"model":"m","messages":[{"role":"user","content":"hi"}]} |
      CHAT_COMPLETIONS | {"model":"m","messages":[{"role":"user","content":null}]} |
      CHAT_COMPLETIONS | {"model":"m","messages":[{"role":"user"}]} |
      CHAT_COMPLETIONS | {"model":"m","messages":[null]} |
      CHAT_COMPLETIONS | {"model":"m","messages":[{"role":5,"content":"hi"}]} | invalid chat completions request: must have valid messages field (messages[0].role: expected a string)
      CHAT_COMPLETIONS | {"model":"m","messages":[{"role":"user","content":7}]} | invalid chat completions request: must have valid messages field (messages[0].content: expected
      CHAT_COMPLETIONS | {"model":"m","messages":[{"role":"user","content":{"text":"a"}}]} | invalid chat completions request: must have valid messages field (messages[0].content: expected
      CHAT_COMPLETIONS | {"model":"m","messages":[{"content":[{"type":1}]}]} | invalid chat completions request: must have valid messages field (messages[0].content[0].type: expected a string)
      CHAT_COMPLETIONS | {"model":"m","messages":[{"content":[{"image_url":"x"}]}]} | invalid chat completions request: must have valid messages field (messages[0].content[0].image_url: expected an object)
      CHAT_COMPLETIONS | {"model":"m","messages":[{"content":["text"]}]} | invalid chat completions request: must have valid messages field (messages[0].content[0]: expected a content part object)
      CHAT_COMPLETIONS | {"model":"m","messages":["hi"]} | invalid chat completions request: must have valid messages field (messages[0]: expected
      CHAT_COMPLETIONS | {"model":"m","messages":"hi"} | invalid chat completions request: must have valid messages field (messages: expected
      CHAT_COMPLETIONS | {"model":"m","messages":null} | invalid chat completions request: must have valid messages field
      CHAT_COMPLETIONS | {"model":"m","messages":[{}],"tools":{}} | invalid chat completions request: must have valid messages field (tools: expected a list)
      CHAT_COMPLETIONS | {"model":"m","messages":[{}],"documents":"d"} | invalid chat completions request: must have valid messages field (documents: expected a list)
      CHAT_COMPLETIONS | {"model":"m","messages":[{}],"chat_template":[]} | invalid chat completions request: must have valid messages field (chat_template: expected a string)
      CHAT_COMPLETIONS | {"model":"m","messages":[{}],"chat_template_kwargs":[]} | invalid chat completions request: must have valid messages field (chat_template_kwargs: expected an object)
      CHAT_COMPLETIONS | {"model":"m","messages":[{}],"add_generation_prompt":"yes"} | invalid chat completions request: must have valid messages field (add_generation_prompt: expected true or false)
      CHAT_COMPLETIONS | {"model":"m","messages":[{}],"tools":[{"type":"function"}],"chat_template_kwargs":{"x":1},"continue_final_message":false} |
      RESPONSES | {"model":"m","input":"hi"} |
      RESPONSES | {"model":"m","input":[{"role":"user","content":"hi"}]} |
      RESPONSES | {"model":"m","input":null} | invalid responses request: must have input field
      CONVERSATIONS | {"model":"m","items":[{"type":"message","role":"user","content":"hi"}]} |
      CONVERSATIONS | {"model":"m","items":[]} | invalid conversations request: must have items field
      CONVERSATIONS | {"model":"m"} | invalid conversations request: must have items field
      CONVERSATIONS | {"model":"m","items":[{"role":1}]} | invalid conversations request: must have items field (items[0].role: expected a string)
      CONVERSATIONS | {"model":"m","items":[{}],"metadata":[]} | invalid conversations request: must have items field (metadata: expected an object)
      EMBEDDINGS | {"model":"m","input":["a"]} |
      EMBEDDINGS | {"model":"m"} | invalid embeddings request: must have input field
      """;

  static Stream<Arguments> bodies() {
    return TABLE.lines().map(line -> line.split("\\s*\\|\\s*", -1))
        .map(c -> Arguments.of(Api.valueOf(c[0]), c[1], c[2]));
  }

  @ParameterizedTest(name = "{0} {1}")
  @MethodSource("bodies")
  void aBody_isAcceptedOrRefused_asTheReferenceDecodesIt_whetherOrNotItsPromptIsRendered(Api api, String body,
      String refusal) {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    for (int promptChars : new int[] {0, 4, 10_000}) {
      if (refusal.isEmpty()) {
        assertThat(RequestBody.parse(api, b, b.length, promptChars).model()).as("prompt chars %d", promptChars)
            .isNotNull();
      } else {
        assertThatThrownBy(() -> RequestBody.parse(api, b, b.length, promptChars)).as("prompt chars %d", promptChars)
            .isInstanceOfSatisfying(PickerException.class, e -> assertThat(e.body())
                .startsWith("inference error: BadRequest - " + refusal));
      }
    }
  }
}
