package dev.loadfuse.picker.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders a request's prompt field as text for prefix matching: the same conversation always gives
 * the same text, whatever the key order or whitespace of its JSON, and a conversation that grows by
 * a turn gives a text that starts with the previous one.
 *
 * <ul>
 *   <li>A string prompt is itself. A list prompt is its elements, each followed by a newline;
 *       token ids are written in decimal, each followed by a space.
 *   <li>A list of messages ({@code messages} of chat, the item list of {@code input} of responses):
 *       per message {@code <|role|>}, a newline, its content, a newline, then every other field in
 *       key order as {@code <|key|>} and its canonical JSON (keys sorted, no spaces), each followed by
 *       a newline. A content list gives, per part, its {@code text} when that is a string, else
 *       the part's canonical JSON, each followed by a newline.
 * </ul>
 *
 * <p>Only the first {@code limit} characters are kept: the rest of the value is read past without
 * being rendered. Not thread-safe; one instance per parse.
 */
final class PromptRenderer {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final int limit;
  private final StringBuilder out;
  private int elements;

  PromptRenderer(int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
    }
    this.limit = limit;
    this.out = new StringBuilder(Math.min(limit, 8192));
  }

  /** The rendered text (at most {@code limit} characters). */
  String text() {
    return out.toString();
  }

  /** How many elements the value had when it was a list; 0 otherwise. */
  int elements() {
    return elements;
  }

  /**
   * Renders the value whose first token {@code first} the parser is on, and reads past its end.
   *
   * @param messages whether a list holds messages (chat, responses) rather than prompts
   */
  void render(JsonParser p, JsonToken first, boolean messages) throws IOException {
    if (first == JsonToken.VALUE_STRING) {
      appendText(p);
      return;
    }
    if (first != JsonToken.START_ARRAY) {
      p.skipChildren();
      return;
    }
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      elements++;
      if (full()) {
        p.skipChildren();
      } else if (messages && t == JsonToken.START_OBJECT) {
        message(p, null);
      } else {
        promptElement(p, t);
      }
    }
  }

  /**
   * Renders one element of a list being read by the caller: a chat message (checked against the
   * reference's types, {@link BodyShapes}, at {@code path}) or a completion prompt's element;
   * once full, the element is checked and read past.
   */
  void chatMessage(JsonParser p, JsonToken t, String path) throws IOException {
    elements++;
    if (full() || t != JsonToken.START_OBJECT) {
      BodyShapes.message(path, p, t);
    } else {
      message(p, path);
    }
  }

  /** As {@link #chatMessage}, for a completion prompt's list element. */
  void promptListElement(JsonParser p, JsonToken t, String path) throws IOException {
    elements++;
    if (full() || t == JsonToken.START_ARRAY || t == JsonToken.VALUE_NULL) {
      if (!full() && t == JsonToken.START_ARRAY) {
        promptTokenIds(p, path);
      } else {
        BodyShapes.promptElement(path, p, t);
      }
    } else {
      BodyShapes.promptElement(path, p, t); // a scalar: checked without moving
      promptElement(p, t);
    }
  }

  /** Renders a string prompt. */
  void string(JsonParser p) throws IOException {
    appendText(p);
  }

  private void promptTokenIds(JsonParser p, String path) throws IOException {
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      if (t != JsonToken.VALUE_NUMBER_INT) {
        throw new BodyShapes.Mismatch(path, "a list of token ids");
      }
      if (!full()) {
        append(p.getText());
        append(" ");
      }
    }
    append("\n");
  }

  private void promptElement(JsonParser p, JsonToken t) throws IOException {
    switch (t) {
      case VALUE_STRING -> {
        appendText(p);
        append("\n");
      }
      case VALUE_NUMBER_INT -> {
        append(p.getText());
        append(" ");
      }
      case START_ARRAY -> {
        while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
          if (full()) {
            p.skipChildren();
          } else {
            promptElement(p, t);
          }
        }
        append("\n");
      }
      default -> {
        append(canonical(MAPPER.readTree(p)));
        append("\n");
      }
    }
  }

  /**
   * One message object; the parser is on its START_OBJECT. Its fields may come in any order.
   *
   * @param path where it is, to check it against the reference's types; null: not checked
   */
  private void message(JsonParser p, String path) throws IOException {
    String role = "";
    StringBuilder content = new StringBuilder();
    Map<String, String> others = new TreeMap<>();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      JsonToken v = p.nextToken();
      if ("role".equals(field) && v == JsonToken.VALUE_STRING) {
        role = p.getText();
      } else if ("role".equals(field) && path != null) {
        BodyShapes.string(path + ".role", v);
      } else if ("content".equals(field)) {
        content(p, v, content, path == null ? null : path + ".content");
      } else {
        others.put(field, canonical(MAPPER.readTree(p)));
      }
    }
    append("<|");
    append(role);
    append("|>\n");
    append(content);
    append("\n");
    for (Map.Entry<String, String> e : others.entrySet()) {
      append("<|");
      append(e.getKey());
      append("|>");
      append(e.getValue());
      append("\n");
    }
  }

  private void content(JsonParser p, JsonToken v, StringBuilder to, String path) throws IOException {
    int room = limit - out.length();
    if (v == JsonToken.VALUE_STRING) {
      appendText(p, to, room);
    } else if (v == JsonToken.START_ARRAY) {
      JsonToken t;
      int i = 0;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        String part = path == null ? null : path + "[" + i++ + "]";
        if (to.length() >= room) {
          if (part != null) {
            BodyShapes.contentPart(part, p, t);
          } else {
            p.skipChildren();
          }
          continue;
        }
        JsonNode node = MAPPER.readTree(p);
        if (part != null) {
          BodyShapes.contentPart(part, node);
        }
        JsonNode text = node.get("text");
        to.append(text != null && text.isTextual() ? text.textValue() : canonical(node)).append('\n');
      }
    } else if (path != null && v != JsonToken.VALUE_NULL) {
      throw new BodyShapes.Mismatch(path, "a string or a list of content parts");
    } else if (v != JsonToken.VALUE_NULL) {
      to.append(canonical(MAPPER.readTree(p)));
    }
  }

  boolean full() {
    return out.length() >= limit;
  }

  private void append(CharSequence s) {
    int room = limit - out.length();
    if (room > 0) {
      out.append(s, 0, Math.min(room, s.length()));
    }
  }

  /** Appends the current string token without making a String of a long prompt. */
  private void appendText(JsonParser p) throws IOException {
    appendText(p, out, limit - out.length());
  }

  private static void appendText(JsonParser p, StringBuilder to, int room) throws IOException {
    if (room <= 0) {
      return;
    }
    char[] chars = p.getTextCharacters();
    int n = p.getTextLength();
    to.append(chars, p.getTextOffset(), Math.min(room, n));
  }

  /** JSON with object keys sorted and no whitespace, so equal values render equally. */
  static String canonical(JsonNode node) {
    StringBuilder sb = new StringBuilder();
    canonical(node, sb);
    return sb.toString();
  }

  private static void canonical(JsonNode node, StringBuilder sb) {
    if (node.isObject()) {
      List<String> keys = new ArrayList<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        keys.add(it.next());
      }
      keys.sort(null);
      sb.append('{');
      for (int i = 0; i < keys.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        quote(keys.get(i), sb);
        sb.append(':');
        canonical(node.get(keys.get(i)), sb);
      }
      sb.append('}');
    } else if (node.isArray()) {
      sb.append('[');
      for (int i = 0; i < node.size(); i++) {
        if (i > 0) {
          sb.append(',');
        }
        canonical(node.get(i), sb);
      }
      sb.append(']');
    } else if (node.isTextual()) {
      quote(node.textValue(), sb);
    } else {
      sb.append(node.toString());
    }
  }

  private static void quote(String s, StringBuilder sb) {
    sb.append('"');
    JsonStringEncoder.getInstance().quoteAsString(s, sb);
    sb.append('"');
  }
}
