package dev.loadfuse.picker.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;

/**
 * The types the reference endpoint picker decodes an inference request's fields into, checked on
 * the streaming parser as the value is read past (nothing is materialised): a value of the wrong
 * type makes the request invalid, as Go's decoder makes it. {@code null} is accepted wherever the
 * reference's decoder accepts it (it leaves the field unset).
 *
 * <p>Each check is called with the parser on the value's first token and leaves it on the value's
 * last; a mismatch throws {@link Mismatch} naming the field's path.
 */
final class BodyShapes {

  private BodyShapes() {}

  /** A value of a type the reference cannot decode. */
  static final class Mismatch extends RuntimeException {
    Mismatch(String path, String expected) {
      super(path + ": expected " + expected);
    }
  }

  /** A top-level field other than {@code model}, {@code stream} and the API's required field. */
  static void topLevel(Api api, String field, JsonParser p, JsonToken v) throws IOException {
    switch (field) {
      case "cache_salt" -> string(field, v);
      case "tools", "documents" -> {
        if (api == Api.CHAT_COMPLETIONS) {
          array(field, v);
        }
      }
      case "chat_template" -> {
        if (api == Api.CHAT_COMPLETIONS) {
          string(field, v);
        }
      }
      case "return_assistant_tokens_mask", "continue_final_message", "add_generation_prompt" -> {
        if (api == Api.CHAT_COMPLETIONS) {
          bool(field, v);
        }
      }
      case "chat_template_kwargs" -> {
        if (api == Api.CHAT_COMPLETIONS) {
          object(field, v);
        }
      }
      case "metadata" -> {
        if (api == Api.CONVERSATIONS) {
          object(field, v);
        }
      }
      default -> { }
    }
    p.skipChildren();
  }

  /** Checks one field's value (the parser on its first token), leaving the parser on its last. */
  private interface FieldCheck {
    void check(String field, JsonToken t) throws IOException;
  }

  /** An object (or null) at {@code path}, each field's value checked by {@code fields}. */
  private static void object(String path, String expected, JsonParser p, JsonToken v, FieldCheck fields)
      throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return;
    }
    if (v != JsonToken.START_OBJECT) {
      throw new Mismatch(path, expected);
    }
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String field = p.currentName();
      fields.check(field, p.nextToken());
    }
  }

  /** One chat message: an object (or null) whose {@code role} is a string and {@code content} a {@link #content}. */
  static void message(String path, JsonParser p, JsonToken v) throws IOException {
    object(path, "a message object", p, v, (field, t) -> {
      switch (field) {
        case "role" -> string(path + ".role", t);
        case "content" -> content(path + ".content", p, t);
        default -> p.skipChildren();
      }
    });
  }

  /** A message's content: a string, null, or a list of content parts (objects or null). */
  static void content(String path, JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.VALUE_STRING || v == JsonToken.VALUE_NULL) {
      return;
    }
    if (v != JsonToken.START_ARRAY) {
      throw new Mismatch(path, "a string or a list of content parts");
    }
    int i = 0;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      contentPart(path + "[" + i++ + "]", p, t);
    }
  }

  /** A content part: {@code type} and {@code text} strings; {@code image_url}, {@code input_audio}, {@code video_url} objects of strings. */
  static void contentPart(String path, JsonParser p, JsonToken v) throws IOException {
    object(path, "a content part object", p, v, (field, t) -> {
      switch (field) {
        case "type", "text" -> string(path + "." + field, t);
        case "image_url", "video_url", "input_audio" -> stringFields(path + "." + field, p, t);
        default -> p.skipChildren();
      }
    });
  }

  /** {@link #contentPart} for a part already read as a tree. */
  static void contentPart(String path, JsonNode part) {
    if (part.isNull()) {
      return;
    }
    if (!part.isObject()) {
      throw new Mismatch(path, "a content part object");
    }
    for (String field : new String[] {"type", "text"}) {
      JsonNode f = part.get(field);
      if (f != null && !f.isNull() && !f.isTextual()) {
        throw new Mismatch(path + "." + field, "a string");
      }
    }
    for (String field : new String[] {"image_url", "video_url", "input_audio"}) {
      JsonNode f = part.get(field);
      if (f == null || f.isNull()) {
        continue;
      }
      if (!f.isObject()) {
        throw new Mismatch(path + "." + field, "an object");
      }
      for (String inner : new String[] {"url", "data", "format"}) {
        JsonNode v = f.get(inner);
        if (v != null && !v.isNull() && !v.isTextual()) {
          throw new Mismatch(path + "." + field + "." + inner, "a string");
        }
      }
    }
  }

  /** A completion prompt's list element: a string (or null), or, beyond the reference, a token id or a list of them. */
  static void promptElement(String path, JsonParser p, JsonToken v) throws IOException {
    if (v == JsonToken.START_ARRAY) {
      JsonToken t;
      while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
        if (t != JsonToken.VALUE_NUMBER_INT) {
          throw new Mismatch(path, "a list of token ids");
        }
      }
    } else if (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL && v != JsonToken.VALUE_NUMBER_INT) {
      throw new Mismatch(path, "a string");
    }
  }

  /** A conversation item: an object (or null) whose {@code type} and {@code role} are strings. */
  static void conversationItem(String path, JsonParser p, JsonToken v) throws IOException {
    object(path, "an item object", p, v, (field, t) -> {
      if (field.equals("type") || field.equals("role")) {
        string(path + "." + field, t);
      } else {
        p.skipChildren();
      }
    });
  }

  /** An object (or null) whose fields are strings (or null): {@code image_url}'s {@code url} and the like. */
  private static void stringFields(String path, JsonParser p, JsonToken v) throws IOException {
    object(path, "an object", p, v, (field, t) -> {
      if (field.equals("url") || field.equals("data") || field.equals("format")) {
        string(path + "." + field, t);
      } else {
        p.skipChildren(); // fields the reference does not decode
      }
    });
  }

  static void string(String path, JsonToken v) {
    if (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL) {
      throw new Mismatch(path, "a string");
    }
  }

  private static void array(String path, JsonToken v) {
    if (v != JsonToken.START_ARRAY && v != JsonToken.VALUE_NULL) {
      throw new Mismatch(path, "a list");
    }
  }

  private static void object(String path, JsonToken v) {
    if (v != JsonToken.START_OBJECT && v != JsonToken.VALUE_NULL) {
      throw new Mismatch(path, "an object");
    }
  }

  private static void bool(String path, JsonToken v) {
    if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE && v != JsonToken.VALUE_NULL) {
      throw new Mismatch(path, "true or false");
    }
  }
}
