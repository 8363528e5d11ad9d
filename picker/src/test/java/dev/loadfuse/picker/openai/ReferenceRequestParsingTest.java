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
 * (the prefix scorers read it). Cases from the reference's parser and type decoding, and ours.
 */
class ReferenceRequestParsingTest {

  private static final String CHAT = "invalid chat completions request: must have valid messages field";
  private static final String COMPLETION = "invalid completions request: must have prompt field";
  private static final String RESPONSES = "invalid responses request: must have input field";
  private static final String CONVERSATIONS = "invalid conversations request: must have items field";
  private static final String EMBEDDINGS = "invalid embeddings request: must have input field";
  private static final String OK = "";

  static Stream<Arguments> bodies() {
    return Stream.of(
        // api, body, "" when accepted else the message's start
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"\",\"prompt\":\"p\"}", OK), // "" is a model name
        Arguments.of(Api.COMPLETIONS, "{\"prompt\":\"p\"}", "model not found in request body"),
        Arguments.of(Api.COMPLETIONS, "{\"model\":null,\"prompt\":\"p\"}", "model not found in request body"),
        Arguments.of(Api.COMPLETIONS, "{\"model\":7}", COMPLETION), // the API's field is checked first
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[\"a\",\"b\"]}", OK),
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[\"a\",null]}", OK),
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[1,2,3]}", OK), // token ids: beyond the reference
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[[1,2],[3]]}", OK),
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"\"}", COMPLETION),
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[]}", COMPLETION),
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":{\"a\":1}}", COMPLETION + " (prompt: expected"),
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[\"a\",{}]}", COMPLETION + " (prompt[1]: expected"),
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":[[1,\"x\"]]}", COMPLETION + " (prompt[0]: expected"),
        Arguments.of(Api.COMPLETIONS, "{\"model\":\"m\",\"prompt\":\"p\",\"cache_salt\":null}", OK),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", OK),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":null}]}", OK),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\"}]}", OK),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[null]}", OK),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":"
            + "[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"http://x\"}}]}]}", OK),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":5,\"content\":\"hi\"}]}",
            CHAT + " (messages[0].role: expected a string)"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":7}]}",
            CHAT + " (messages[0].content: expected"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":{\"text\":\"a\"}}]}",
            CHAT + " (messages[0].content: expected"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"content\":[{\"type\":1}]}]}",
            CHAT + " (messages[0].content[0].type: expected a string)"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"content\":[{\"image_url\":\"x\"}]}]}",
            CHAT + " (messages[0].content[0].image_url: expected an object)"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{\"content\":[\"text\"]}]}",
            CHAT + " (messages[0].content[0]: expected a content part object)"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[\"hi\"]}", CHAT + " (messages[0]: expected"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":\"hi\"}", CHAT + " (messages: expected"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":null}", CHAT),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{}],\"tools\":{}}", CHAT + " (tools: expected a list)"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{}],\"documents\":\"d\"}", CHAT + " (documents: expected a list)"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{}],\"chat_template\":[]}", CHAT + " (chat_template: expected a string)"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{}],\"chat_template_kwargs\":[]}", CHAT + " (chat_template_kwargs: expected an object)"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{}],\"add_generation_prompt\":\"yes\"}", CHAT + " (add_generation_prompt: expected true or false)"),
        Arguments.of(Api.CHAT_COMPLETIONS, "{\"model\":\"m\",\"messages\":[{}],\"tools\":[{\"type\":\"function\"}],\"chat_template_kwargs\":{\"x\":1},\"continue_final_message\":false}", OK),
        Arguments.of(Api.RESPONSES, "{\"model\":\"m\",\"input\":\"hi\"}", OK),
        Arguments.of(Api.RESPONSES, "{\"model\":\"m\",\"input\":[{\"role\":\"user\",\"content\":\"hi\"}]}", OK),
        Arguments.of(Api.RESPONSES, "{\"model\":\"m\",\"input\":null}", RESPONSES),
        Arguments.of(Api.CONVERSATIONS, "{\"model\":\"m\",\"items\":[{\"type\":\"message\",\"role\":\"user\",\"content\":\"hi\"}]}", OK),
        Arguments.of(Api.CONVERSATIONS, "{\"model\":\"m\",\"items\":[]}", CONVERSATIONS),
        Arguments.of(Api.CONVERSATIONS, "{\"model\":\"m\"}", CONVERSATIONS),
        Arguments.of(Api.CONVERSATIONS, "{\"model\":\"m\",\"items\":[{\"role\":1}]}", CONVERSATIONS + " (items[0].role: expected a string)"),
        Arguments.of(Api.CONVERSATIONS, "{\"model\":\"m\",\"items\":[{}],\"metadata\":[]}", CONVERSATIONS + " (metadata: expected an object)"),
        Arguments.of(Api.EMBEDDINGS, "{\"model\":\"m\",\"input\":[\"a\"]}", OK),
        Arguments.of(Api.EMBEDDINGS, "{\"model\":\"m\"}", EMBEDDINGS));
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
