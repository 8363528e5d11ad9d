package dev.loadfuse.picker.openai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import dev.loadfuse.picker.PickerException;
import java.io.IOException;

/**
 * What scheduling needs of an inference request body, read with a streaming parser: the {@code
 * model} (and where its value sits in the bytes, so a rewrite splices the bytes instead of
 * re-serialising a large prompt), and whether the API's required field is there. Every other
 * value is skipped without being materialised, so a 1 MB prompt costs a scan, not a tree.
 *
 * @param model the {@code model} value
 * @param modelStart byte offset of the value's opening quote
 * @param modelEnd byte offset just past the value's closing quote
 * @param stream the {@code stream} flag (false when absent)
 * @param prompt the API's prompt field rendered by {@link PromptRenderer} (at most the requested
 *     number of characters), empty when not requested
 * @param cacheSalt the {@code cache_salt} value, empty when absent
 */
public record RequestBody(String model, int modelStart, int modelEnd, boolean stream, String prompt, String cacheSalt) {

  static final JsonFactory JSON = JsonFactory.builder()
      // Prompts may be long strings; the body limit bounds them anyway.
      .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
      .build();

  /**
   * Parses {@code body[0..length)} for {@code api}.
   *
   * @throws PickerException {@code BadRequest}: invalid JSON, not an object, {@code model} missing
   *     or not a string, the API's field missing ({@code messages} also when empty)
   */
  public static RequestBody parse(Api api, byte[] body, int length) {
    return parse(api, body, length, 0);
  }

  /**
   * Parses {@code body[0..length)} for {@code api} and renders the first {@code promptChars}
   * characters of its prompt field ({@link PromptRenderer}); 0 renders nothing. The fields the
   * reference decodes are checked against its types ({@link BodyShapes}) as they are read.
   *
   * @throws PickerException {@code BadRequest}, with the reference's message: invalid JSON or not an
   *     object; the API's field missing, empty or of the wrong type, or another field the reference
   *     decodes of the wrong type ({@code invalid <api> request: ...}, the field's path in
   *     parentheses); {@code model} missing or not a string
   */
  public static RequestBody parse(Api api, byte[] body, int length, int promptChars) {
    String model = null;
    String cacheSalt = "";
    int start = -1;
    int end = -1;
    boolean stream = false;
    boolean hasRequired = false;
    String required = api.requiredField();
    PromptRenderer renderer = promptChars > 0 ? new PromptRenderer(promptChars) : null;
    try (JsonParser p = JSON.createParser(body, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw bad("error unmarshaling request body: expected a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if ("model".equals(field) && v == JsonToken.VALUE_STRING) {
          start = (int) p.currentTokenLocation().getByteOffset();
          model = p.getText();
          end = (int) p.currentLocation().getByteOffset();
        } else if ("stream".equals(field) && (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE)) {
          stream = v == JsonToken.VALUE_TRUE;
        } else if (field.equals(required)) {
          hasRequired = required(api, p, v, renderer);
        } else {
          if ("cache_salt".equals(field) && v == JsonToken.VALUE_STRING) {
            cacheSalt = p.getText();
          }
          BodyShapes.topLevel(api, field, p, v);
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw bad("error unmarshaling request body: unexpected " + t);
      }
      if (p.nextToken() != null) {
        throw bad("error unmarshaling request body: data after the JSON object");
      }
    } catch (BodyShapes.Mismatch m) {
      throw bad(api.invalidMessage() + " (" + m.getMessage() + ")");
    } catch (StreamReadException e) {
      throw bad("error unmarshaling request body: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw bad("error unmarshaling request body: " + e.getMessage());
    }
    if (required != null && !hasRequired) {
      throw bad(api.invalidMessage());
    }
    if (model == null) { // "" is a model name like another, as in the reference
      throw bad("model not found in request body");
    }
    return new RequestBody(model, start, end, stream, renderer == null ? "" : renderer.text(), cacheSalt);
  }

  /**
   * Reads the API's required field (its value's first token {@code v}), checking it and rendering
   * it when {@code renderer} is given; true when it is there and not empty.
   */
  private static boolean required(Api api, JsonParser p, JsonToken v, PromptRenderer renderer) throws IOException {
    String field = api.requiredField();
    return switch (api) {
      case COMPLETIONS -> {
        if (v == JsonToken.VALUE_STRING) {
          boolean empty = p.getTextLength() == 0;
          if (renderer != null) {
            renderer.string(p);
          }
          yield !empty;
        }
        yield list(field, p, v, "a string or a list of strings", renderer, PromptRenderer::promptListElement,
            BodyShapes::promptElement) > 0;
      }
      case CHAT_COMPLETIONS -> v != JsonToken.VALUE_NULL
          && list(field, p, v, "a list of messages", renderer, PromptRenderer::chatMessage, BodyShapes::message) > 0;
      case CONVERSATIONS -> v != JsonToken.VALUE_NULL
          && list(field, p, v, "a list of items", null, null, BodyShapes::conversationItem) > 0;
      case RESPONSES, EMBEDDINGS -> {
        if (renderer != null && api == Api.RESPONSES) {
          renderer.render(p, v, true);
        } else {
          p.skipChildren();
        }
        yield v != JsonToken.VALUE_NULL;
      }
      case PASS_THROUGH -> throw new IllegalArgumentException("pass-through bodies are not parsed");
    };
  }

  /** How a list's element is rendered (and checked) at a path. */
  private interface ElementRenderer {
    void render(PromptRenderer renderer, JsonParser p, JsonToken t, String path) throws IOException;
  }

  /** How a list's element is checked at a path. */
  private interface ElementCheck {
    void check(String path, JsonParser p, JsonToken t) throws IOException;
  }

  /** Reads a list whose first token is {@code v}, each element rendered or checked; its length. */
  private static int list(String field, JsonParser p, JsonToken v, String expected, PromptRenderer renderer,
      ElementRenderer render, ElementCheck check) throws IOException {
    if (v != JsonToken.START_ARRAY) {
      throw new BodyShapes.Mismatch(field, expected);
    }
    int n = 0;
    JsonToken t;
    while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
      String path = field + "[" + n++ + "]";
      if (renderer != null) {
        render.render(renderer, p, t, path);
      } else {
        check.check(path, p, t);
      }
    }
    return n;
  }

  /** The body with the model value replaced by {@code newModel} (JSON-escaped); the rest byte for byte. */
  public byte[] withModel(byte[] body, int length, String newModel) {
    return splice(body, length, modelStart, modelEnd, newModel);
  }

  /** {@code body[0..length)} with {@code [start, end)} replaced by {@code value} as a JSON string. */
  public static byte[] splice(byte[] body, int length, int start, int end, String value) {
    byte[] quoted = jsonString(value);
    byte[] out = new byte[length - (end - start) + quoted.length];
    System.arraycopy(body, 0, out, 0, start);
    System.arraycopy(quoted, 0, out, start, quoted.length);
    System.arraycopy(body, end, out, start + quoted.length, length - end);
    return out;
  }

  /** {@code value} as a JSON string in UTF-8, quotes included. */
  public static byte[] jsonString(String value) {
    byte[] escaped = JsonStringEncoder.getInstance().quoteAsUTF8(value);
    byte[] out = new byte[escaped.length + 2];
    out[0] = '"';
    System.arraycopy(escaped, 0, out, 1, escaped.length);
    out[out.length - 1] = '"';
    return out;
  }

  private static PickerException bad(String message) {
    return new PickerException(PickerException.Code.BAD_REQUEST, message);
  }
}
