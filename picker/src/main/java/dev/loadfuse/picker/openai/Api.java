package dev.loadfuse.picker.openai;

/**
 * The OpenAI-compatible APIs the {@code openai-parser} reads, chosen by the request path's suffix
 * as the reference endpoint picker chooses them: any other path (or none) is read as a completion.
 * {@link #PASS_THROUGH} is the {@code passthrough-parser}'s: the body is forwarded unread.
 */
public enum Api {
  COMPLETIONS("prompt"),
  CHAT_COMPLETIONS("messages"),
  RESPONSES("input"),
  CONVERSATIONS("items"),
  EMBEDDINGS("input"),
  /** The {@code passthrough-parser}: the body is forwarded as-is and not parsed. */
  PASS_THROUGH(null);

  private final String requiredField;

  Api(String requiredField) {
    this.requiredField = requiredField;
  }

  /** The body field this API needs besides {@code model}; null for pass-through. */
  public String requiredField() {
    return requiredField;
  }

  /** The reference's message for a body this API cannot read ({@code invalid chat completions request: ...}). */
  String invalidMessage() {
    return "invalid " + name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " request: must have "
        + (this == CHAT_COMPLETIONS ? "valid messages" : requiredField) + " field";
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
