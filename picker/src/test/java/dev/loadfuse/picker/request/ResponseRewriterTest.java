package dev.loadfuse.picker.request;

import static dev.loadfuse.picker.testing.EnvoyStream.responseHeaders;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.loadfuse.picker.openai.Usage;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The response rewriter on its own: response headers and chunks in, chunks to send out; no server. */
class ResponseRewriterTest {

  /** What the rewriter sends on. */
  private static final class Sent implements ResponseRewriter.Chunks {
    final List<ByteString> chunks = new ArrayList<>();
    final List<Boolean> ends = new ArrayList<>();

    @Override
    public void send(ByteString bytes, boolean endOfStream) {
      chunks.add(bytes);
      ends.add(endOfStream);
    }

    String text() {
      StringBuilder sb = new StringBuilder();
      chunks.forEach(c -> sb.append(c.toStringUtf8()));
      return sb.toString();
    }
  }

  private static ResponseRewriter sse(String clientModel) {
    ResponseRewriter r = new ResponseRewriter(1_000, clientModel);
    r.headers(responseHeaders(false, ":status", "200", "content-type", "text/event-stream").getResponseHeaders());
    return r;
  }

  private static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  private static final String EVENTS =
      "data: {\"id\":\"1\",\"model\":\"served\",\"choices\":[{\"text\":\"Gre\"}]}\n\n"
          + "data: {\"id\":\"1\",\"model\":\"served\",\"choices\":[],"
          + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":10}}\r\n\r\n"
          + "data: [DONE]\n\n";

  @Test
  void sseWithoutRewrite_sendsTheVeryChunksThatCame_andReadsUsageAcrossChunks() {
    ResponseRewriter r = sse(null);
    assertThat(r.restoresModel()).isFalse();
    Sent sent = new Sent();
    List<ByteString> in = List.of(bytes(EVENTS.substring(0, 45)), bytes(EVENTS.substring(45, 120)),
        bytes(EVENTS.substring(120)));
    for (int i = 0; i < in.size(); i++) {
      r.chunk(in.get(i), i == in.size() - 1, sent);
    }
    assertThat(sent.chunks).hasSize(3);
    for (int i = 0; i < 3; i++) {
      assertThat(sent.chunks.get(i)).as("chunk %d forwarded as is", i).isSameAs(in.get(i));
    }
    assertThat(sent.ends).containsExactly(false, false, true);
    assertThat(r.usage()).isEqualTo(new Usage(7, 10, -1));
    assertThat(r.status()).isEqualTo(200);
  }

  @Test
  void sseWithRewrite_restoresTheModelInEveryEvent_evenSplitMidLine() {
    for (int split = 1; split < EVENTS.length(); split++) {
      ResponseRewriter r = sse("client-model");
      Sent sent = new Sent();
      r.chunk(bytes(EVENTS.substring(0, split)), false, sent);
      r.chunk(bytes(EVENTS.substring(split)), true, sent);
      assertThat(sent.text()).as("split at %d", split).isEqualTo(EVENTS.replace("\"served\"", "\"client-model\""));
      assertThat(sent.ends.getLast()).isTrue();
      assertThat(r.usage()).as("split at %d", split).isEqualTo(new Usage(7, 10, -1));
    }
  }

  @Test
  void sseWithRewrite_holdsAPartialLine_untilItsNewline_orTheTrailers() {
    ResponseRewriter r = sse("c");
    Sent sent = new Sent();
    r.chunk(bytes("data: {\"model\":\"served\""), false, sent);
    assertThat(sent.chunks).isEmpty(); // nothing complete yet
    r.chunk(bytes("}"), false, sent);
    r.trailers(sent);
    assertThat(sent.text()).isEqualTo("data: {\"model\":\"c\"}");
    assertThat(sent.ends).containsExactly(false);
  }

  @Test
  void sseWithoutRewrite_trailersReadTheLastPartialLine_andSendNothingMore() {
    ResponseRewriter r = sse(null);
    Sent sent = new Sent();
    r.chunk(bytes("data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}"), false, sent);
    assertThat(r.usage()).isEqualTo(Usage.NONE);
    r.trailers(sent);
    assertThat(r.usage()).isEqualTo(new Usage(1, 2, -1));
    assertThat(sent.chunks).hasSize(1);
  }

  @Test
  void modelNameNeedingEscapes_isWrittenAsJson() {
    ResponseRewriter r = sse("a\"b");
    Sent sent = new Sent();
    r.chunk(bytes("data: {\"model\":\"x\"}\n"), true, sent);
    assertThat(sent.text()).isEqualTo("data: {\"model\":\"a\\\"b\"}\n");
  }

  @Test
  void jsonBody_heldToItsEnd_modelRestoredOnce_usageRead() {
    ResponseRewriter r = new ResponseRewriter(1_000, "food-review");
    r.headers(responseHeaders(false, ":status", "200", "content-type", "application/json").getResponseHeaders());
    String body = "{\"id\":\"x\",\"model\":\"v1\",\"usage\":{\"input_tokens\":5,\"output_tokens\":6}}";
    Sent sent = new Sent();
    r.chunk(bytes(body.substring(0, 30)), false, sent);
    assertThat(sent.chunks).isEmpty();
    r.chunk(bytes(body.substring(30)), true, sent);
    assertThat(sent.text()).isEqualTo(body.replace("\"v1\"", "\"food-review\""));
    assertThat(sent.ends).containsExactly(true);
    assertThat(r.usage()).isEqualTo(new Usage(5, 6, -1));
  }

  @Test
  void jsonBody_flushedByTheTrailers_withoutEndOfStream() {
    ResponseRewriter r = new ResponseRewriter(1_000, null);
    r.headers(responseHeaders(false, ":status", "503").getResponseHeaders());
    Sent sent = new Sent();
    r.chunk(bytes("upstream overloaded"), false, sent);
    r.trailers(sent);
    assertThat(sent.text()).isEqualTo("upstream overloaded");
    assertThat(sent.ends).containsExactly(false);
    assertThat(r.status()).isEqualTo(503);
  }

  @Test
  void bodyOverTheLimit_passesOnAsItComes_unread() {
    ResponseRewriter r = new ResponseRewriter(10, "client");
    r.headers(responseHeaders(false, ":status", "200").getResponseHeaders());
    Sent sent = new Sent();
    r.chunk(bytes("{\"model\":"), false, sent);
    ByteString second = bytes("\"m\",\"usage\":{\"output_tokens\":1}}");
    r.chunk(second, false, sent);
    ByteString third = bytes(" ");
    r.chunk(third, true, sent);
    assertThat(sent.text()).isEqualTo("{\"model\":\"m\",\"usage\":{\"output_tokens\":1}} ");
    assertThat(sent.chunks.get(1)).isSameAs(second);
    assertThat(sent.chunks.get(2)).isSameAs(third);
    assertThat(sent.ends).containsExactly(false, false, true);
    assertThat(r.usage()).isEqualTo(Usage.NONE);
  }

  @Test
  void bufferedMode_wholeBodyReplacedOnlyWhenTheModelIsRestored() {
    ResponseRewriter restoring = new ResponseRewriter(1_000, "client");
    assertThat(restoring.buffered(bytes("{\"model\":\"m\",\"usage\":{\"output_tokens\":3}}")).toStringUtf8())
        .isEqualTo("{\"model\":\"client\",\"usage\":{\"output_tokens\":3}}");
    assertThat(restoring.usage().completionTokens()).isEqualTo(3);
    assertThat(restoring.buffered(bytes("not json"))).isNull();
    assertThat(new ResponseRewriter(1_000, null).buffered(bytes("{\"model\":\"m\"}"))).isNull();
  }

  @Test
  void bufferedMode_sse_everyLineRestored() {
    ResponseRewriter r = sse("client");
    assertThat(r.buffered(bytes(EVENTS)).toStringUtf8()).isEqualTo(EVENTS.replace("\"served\"", "\"client\""));
    assertThat(sse(null).buffered(bytes(EVENTS))).isNull();
  }

  @Test
  void status_notANumber_readsMinusOne_noneReadsZero() {
    ResponseRewriter r = new ResponseRewriter(1_000, null);
    assertThat(r.status()).isZero();
    r.headers(responseHeaders(false, ":status", "abc").getResponseHeaders());
    assertThat(r.status()).isEqualTo(-1);
  }

  @Test
  void contentTypeWithParameters_isStillSse() {
    ResponseRewriter r = new ResponseRewriter(1_000, null);
    r.headers(responseHeaders(false, "Content-Type", "text/event-stream; charset=utf-8").getResponseHeaders());
    Sent sent = new Sent();
    ByteString chunk = bytes("data: x\n");
    r.chunk(chunk, false, sent);
    assertThat(sent.chunks).containsExactly(chunk); // streamed on, not held as a whole body
  }

  @Test
  void aRequestThatAskedForAStream_isReadAsEvents_whateverTheContentType() {
    ResponseRewriter r = new ResponseRewriter(1_000, null, BufferBudget.UNLIMITED.account(), true);
    r.headers(responseHeaders(false, ":status", "200", "content-type", "application/json").getResponseHeaders());
    Sent sent = new Sent();
    ByteString first = bytes(EVENTS.substring(0, 60));
    r.chunk(first, false, sent);
    assertThat(sent.chunks).containsExactly(first); // passed on as it came, not held
    r.chunk(bytes(EVENTS.substring(60)), true, sent);
    assertThat(r.usage()).isEqualTo(new Usage(7, 10, -1));
  }
}
