package dev.loadfuse.benchmarks.sim;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/**
 * What an OpenAI completion or chat completion body asks a simulated engine for: the model, the
 * prompt text (a chat's message contents, concatenated), how many tokens, and whether to stream.
 *
 * @param maxTokens {@code max_tokens}, or a chat's {@code max_completion_tokens}; 16 when absent
 */
public record CompletionRequest(String model, String prompt, int maxTokens, boolean stream) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads a body sent to {@code /v1/chat/completions} ({@code chat}) or {@code /v1/completions}.
   *
   * @throws IllegalArgumentException naming what is wrong (the engine answers 400 with it)
   */
  public static CompletionRequest parse(byte[] body, boolean chat) {
    JsonNode json;
    try {
      json = JSON.readTree(body);
    } catch (IOException e) {
      throw new IllegalArgumentException("invalid JSON: " + e.getMessage());
    }
    String prompt;
    if (chat) {
      JsonNode messages = json.path("messages");
      if (!messages.isArray() || messages.isEmpty()) {
        throw new IllegalArgumentException("messages: missing or empty");
      }
      StringBuilder text = new StringBuilder();
      for (JsonNode m : messages) {
        text.append(m.path("content").asText(""));
      }
      prompt = text.toString();
    } else {
      JsonNode p = json.path("prompt");
      if (!p.isTextual()) {
        throw new IllegalArgumentException("prompt: missing (expected: a string)");
      }
      prompt = p.asText();
    }
    String model = json.path("model").asText(null);
    if (model == null) {
      throw new IllegalArgumentException("model: missing");
    }
    int maxTokens = json.path(chat && json.has("max_completion_tokens") ? "max_completion_tokens" : "max_tokens").asInt(16);
    return new CompletionRequest(model, prompt, maxTokens, json.path("stream").asBoolean(false));
  }

  /** The request as {@code profile}'s engine runs it, its tokens going to {@code sink}. */
  public SimRequest toSimRequest(EngineProfile profile, SimRequest.Sink sink) {
    return new SimRequest(model, profile.model(), prompt, maxTokens, profile.blockSizeTokens(), sink);
  }
}
