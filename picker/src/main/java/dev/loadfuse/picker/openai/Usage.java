package dev.loadfuse.picker.openai;

/**
 * Token usage reported by a model server, -1 where not reported.
 *
 * @param promptTokens {@code prompt_tokens} or {@code input_tokens}
 * @param completionTokens {@code completion_tokens} or {@code output_tokens}
 * @param cachedTokens {@code prompt_tokens_details.cached_tokens} or {@code
 *     input_tokens_details.cached_tokens}
 */
public record Usage(long promptTokens, long completionTokens, long cachedTokens) {

  public static final Usage NONE = new Usage(-1, -1, -1);

  public boolean present() {
    return promptTokens >= 0 || completionTokens >= 0;
  }
}
