package dev.loadfuse.picker.openai;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RequestBodyTest {

  static Stream<Arguments> paths() {
    return Stream.of(
        Arguments.of("/v1/completions", Api.COMPLETIONS),
        Arguments.of("/v1/chat/completions?x=1", Api.CHAT_COMPLETIONS),
        Arguments.of("/openai/v1/chat/completions/", Api.CHAT_COMPLETIONS),
        Arguments.of("/v1/responses", Api.RESPONSES),
        Arguments.of("/v1/embeddings", Api.EMBEDDINGS),
        Arguments.of("/v1/conversations", Api.CONVERSATIONS),
        Arguments.of("/v1/models", Api.COMPLETIONS),
        Arguments.of(null, Api.COMPLETIONS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("paths")
  void apiByPath(String path, Api api) {
    assertThat(Api.ofPath(path)).isEqualTo(api);
  }

  @Test
  void modelIsSpliced_restIsKeptByteForByte() {
    String body = "{ \"prompt\" : [\"a\",\"b\"],\n  \"model\" :  \"m\\u00e9\" , \"x\":{\"model\":\"inner\"}}";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    RequestBody r = RequestBody.parse(Api.COMPLETIONS, bytes, bytes.length);
    assertThat(r.model()).isEqualTo("mé");
    String out = new String(r.withModel(bytes, bytes.length, "new \"quoted\" é"), StandardCharsets.UTF_8);
    assertThat(out).isEqualTo("{ \"prompt\" : [\"a\",\"b\"],\n  \"model\" :  \"new \\\"quoted\\\" é\" , \"x\":{\"model\":\"inner\"}}");
  }

  @Test
  void lastModelWins_streamFlagRead() {
    byte[] bytes = "{\"model\":\"a\",\"input\":\"x\",\"stream\":true,\"model\":\"b\"}".getBytes(StandardCharsets.UTF_8);
    RequestBody r = RequestBody.parse(Api.RESPONSES, bytes, bytes.length);
    assertThat(r.model()).isEqualTo("b");
    assertThat(r.stream()).isTrue();
    assertThat(new String(r.withModel(bytes, bytes.length, "c"), StandardCharsets.UTF_8))
        .isEqualTo("{\"model\":\"a\",\"input\":\"x\",\"stream\":true,\"model\":\"c\"}");
  }

  @Test
  void responseUsage_topLevel_nested_andCached() {
    byte[] a = "{\"model\":\"t\",\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4,\"prompt_tokens_details\":{\"cached_tokens\":2}}}"
        .getBytes(StandardCharsets.UTF_8);
    ResponseJson ra = ResponseJson.parse(a, 0, a.length);
    assertThat(ra.usage()).isEqualTo(new Usage(3, 4, 2));
    assertThat(new String(a, ra.modelStart(), ra.modelEnd() - ra.modelStart(), StandardCharsets.UTF_8)).isEqualTo("\"t\"");
    byte[] b = "xx{\"type\":\"response.completed\",\"response\":{\"usage\":{\"input_tokens\":9,\"output_tokens\":1}}}"
        .getBytes(StandardCharsets.UTF_8);
    assertThat(ResponseJson.parse(b, 2, b.length - 2).usage()).isEqualTo(new Usage(9, 1, -1));
    byte[] inProgress = "{\"type\":\"response.incomplete\",\"response\":{\"usage\":{\"input_tokens\":9}}}"
        .getBytes(StandardCharsets.UTF_8);
    assertThat(ResponseJson.parse(inProgress, 0, inProgress.length).usage()).as("only response.completed counts")
        .isEqualTo(Usage.NONE);
    byte[] typo = "{\"usage\":{\"prompt_tokens\":3,\"prompt_token_details\":{\"cached_tokens\":1}}}"
        .getBytes(StandardCharsets.UTF_8);
    assertThat(ResponseJson.parse(typo, 0, typo.length).usage().cachedTokens()).as("the reference's spelling too")
        .isEqualTo(1L);
    byte[] bad = "not json".getBytes(StandardCharsets.UTF_8);
    assertThat(ResponseJson.parse(bad, 0, bad.length)).isEqualTo(ResponseJson.NOTHING);
  }
}
