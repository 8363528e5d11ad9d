package dev.loadfuse.picker.openai;

/**
 * The OpenAI-compatible APIs the {@code openai-parser} reads, chosen by the request path's suffix
 * as the reference endpoint picker chooses them: any other path (or none) is read as a completion.
 * {@link #PASS_THROUGH} is the {@code passthrough-parser}'s: the body is forwarded unread.
 */
public enum Api {
  COMPLETIONS("prompt", "invalid completions request: must have prompt field"),
  CHAT_COMPLETIONS("messages", "invalid chat completions request: must have valid messages field"),
  RESPONSES("input", "invalid responses request: must have input field"),
  CONVERSATIONS("items", "invalid conversations request: must have items field"),
  EMBEDDINGS("input", "invalid embeddings request: must have input field"),
  /** The {@code passthrough-parser}: the body is forwarded as-is and not parsed. */
  PASS_THROUGH(null, null);

  private final String requiredField;
  private final String invalid;

  Api(String requiredField, String invalid) {
    this.requiredField = requiredField;
    this.invalid = invalid;
  }

  /** The body field this API needs besides {@code model}; null for pass-through. */
  public String requiredField() {
    return requiredField;
  }

  /** The reference's message for a body this API cannot read. */
  String invalidMessage() {
    return invalid;
  }

  /**
   * The API of a request path ({@code /v1/chat/completions?x=1} → CHAT_COMPLETIONS); any other path,
   * or none, → COMPLETIONS (the reference's default for older clients).
   */
  public static Api ofPath(String path) {
    if (path == null) {
      return COMPLETIONS;
    }
    int end = path.length();
    int q = path.indexOf('?');
    if (q >= 0) {
      end = q;
    }
    while (end > 1 && path.charAt(end - 1) == '/') {
      end--;
    }
    String p = path.substring(0, end);
    if (p.endsWith("/conversations")) {
      return CONVERSATIONS;
    }
    if (p.endsWith("/responses")) {
      return RESPONSES;
    }
    if (p.endsWith("/chat/completions")) {
      return CHAT_COMPLETIONS;
    }
    if (p.endsWith("/embeddings")) {
      return EMBEDDINGS;
    }
    return COMPLETIONS;
  }
}
