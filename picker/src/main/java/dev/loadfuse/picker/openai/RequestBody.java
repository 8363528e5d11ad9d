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
   * characters of its prompt field ({@link PromptRenderer}); 0 renders nothing.
   *
   * @throws PickerException {@code BadRequest}: as {@link #parse(Api, byte[], int)}, and a {@code
   *     cache_salt} that is not a string
   */
  public static RequestBody parse(Api api, byte[] body, int length, int promptChars) {
    String model = null;
    String prompt = "";
    String cacheSalt = "";
    int start = -1;
    int end = -1;
    boolean stream = false;
    boolean hasRequired = false;
    String required = api.requiredField();
    try (JsonParser p = JSON.createParser(body, 0, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw bad("error unmarshaling request body: expected a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if ("model".equals(field)) {
          if (v != JsonToken.VALUE_STRING) {
            throw bad("model must be a string");
          }
          start = (int) p.currentTokenLocation().getByteOffset();
          model = p.getText();
          end = (int) p.currentLocation().getByteOffset();
        } else if ("stream".equals(field) && (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE)) {
          stream = v == JsonToken.VALUE_TRUE;
        } else if ("cache_salt".equals(field)) {
          if (v != JsonToken.VALUE_STRING) {
            throw bad("cache_salt must be a string");
          }
          cacheSalt = p.getText();
        } else if (field.equals(required) && promptChars > 0) {
          PromptRenderer r = new PromptRenderer(promptChars);
          r.render(p, v, api == Api.CHAT_COMPLETIONS || api == Api.RESPONSES);
          prompt = r.text();
          hasRequired = api == Api.CHAT_COMPLETIONS ? v == JsonToken.START_ARRAY && r.elements() > 0
              : v != JsonToken.VALUE_NULL;
        } else if (field.equals(required)) {
          hasRequired = present(api, p, v);
        } else {
          p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT) {
        throw bad("error unmarshaling request body: unexpected " + t);
      }
      if (p.nextToken() != null) {
        throw bad("error unmarshaling request body: data after the JSON object");
      }
    } catch (StreamReadException e) {
      throw bad("error unmarshaling request body: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw bad("error unmarshaling request body: " + e.getMessage());
    }
    if (model == null || model.isEmpty()) {
      throw bad("model not found in request body");
    }
    if (required != null && !hasRequired) {
      throw bad(api == Api.CHAT_COMPLETIONS ? "messages not found in request body (expected: at least one message)"
          : required + " not found in request body");
    }
    return new RequestBody(model, start, end, stream, prompt, cacheSalt);
  }

  private static boolean present(Api api, JsonParser p, JsonToken v) throws IOException {
    if (api == Api.CHAT_COMPLETIONS) {
      if (v != JsonToken.START_ARRAY) {
        p.skipChildren();
        return false;
      }
      int n = 0;
      while (p.nextToken() != JsonToken.END_ARRAY) {
        n++;
        p.skipChildren();
      }
      return n > 0;
    }
    p.skipChildren();
    return v != JsonToken.VALUE_NULL;
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
