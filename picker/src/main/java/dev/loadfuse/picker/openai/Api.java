package dev.loadfuse.picker.openai;

/**
 * The OpenAI-compatible APIs the picker parses, chosen by the request path. Other paths pass
 * through unparsed (scheduled without a model).
 */
public enum Api {
  COMPLETIONS("prompt"),
  CHAT_COMPLETIONS("messages"),
  RESPONSES("input"),
  EMBEDDINGS("input"),
  /** Any other path: the body is forwarded as-is and not parsed. */
  PASS_THROUGH(null);

  private final String requiredField;

  Api(String requiredField) {
    this.requiredField = requiredField;
  }

  /** The body field this API needs besides {@code model}; null for pass-through. */
  public String requiredField() {
    return requiredField;
  }

  /** The API of a request path ({@code /v1/chat/completions?x=1} → CHAT_COMPLETIONS); null → pass-through. */
  public static Api ofPath(String path) {
    if (path == null) {
      return PASS_THROUGH;
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
    if (p.endsWith("/chat/completions")) {
      return CHAT_COMPLETIONS;
    }
    if (p.endsWith("/completions")) {
      return COMPLETIONS;
    }
    if (p.endsWith("/responses")) {
      return RESPONSES;
    }
    if (p.endsWith("/embeddings")) {
      return EMBEDDINGS;
    }
    return PASS_THROUGH;
  }
}
