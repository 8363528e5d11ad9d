package dev.loadfuse.picker.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Reads a model server's JSON response (a whole body, or one SSE {@code data:} payload) with a
 * streaming parser: the usage block (top level, or inside {@code response} for the Responses API's
 * {@code response.completed} event only, as the reference reads it; its other events' usage is
 * ignored) and where the top-level {@code model} value sits, so the model
 * name can be restored without re-serialising. Invalid JSON yields {@link #NOTHING}: a response is
 * never failed for what the picker cannot read.
 *
 * @param usage the usage found, {@link Usage#NONE} if none
 * @param modelStart byte offset (relative to the parsed range: Jackson counts from the range's start) of the model value's opening quote,
 *     -1 when absent
 * @param modelEnd byte offset just past its closing quote, -1 when absent
 */
public record ResponseJson(Usage usage, int modelStart, int modelEnd) {

  public static final ResponseJson NOTHING = new ResponseJson(Usage.NONE, -1, -1);

  public static ResponseJson parse(byte[] bytes, int offset, int length) {
    Usage usage = Usage.NONE;
    Usage completed = Usage.NONE; // the Responses API's: counts only on its response.completed event
    String type = null;
    int start = -1;
    int end = -1;
    try (JsonParser p = RequestBody.JSON.createParser(bytes, offset, length)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return NOTHING;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        if ("model".equals(field) && v == JsonToken.VALUE_STRING) {
          start = (int) p.currentTokenLocation().getByteOffset();
          p.getText();
          end = (int) p.currentLocation().getByteOffset();
        } else if ("usage".equals(field) && v == JsonToken.START_OBJECT) {
          usage = usage(p);
        } else if ("response".equals(field) && v == JsonToken.START_OBJECT) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            String inner = p.currentName();
            JsonToken iv = p.nextToken();
            if ("usage".equals(inner) && iv == JsonToken.START_OBJECT) {
              completed = usage(p);
            } else {
              p.skipChildren();
            }
          }
        } else if ("type".equals(field) && v == JsonToken.VALUE_STRING) {
          type = p.getText();
        } else {
          p.skipChildren();
        }
      }
      if (!usage.present() && "response.completed".equals(type)) {
        usage = completed;
      }
    } catch (IOException | RuntimeException e) {
      return start >= 0 || usage.present() ? new ResponseJson(usage, start, end) : NOTHING;
    }
    return new ResponseJson(usage, start, end);
  }

  private static Usage usage(JsonParser p) throws IOException {
    long prompt = -1;
    long completion = -1;
    long cached = -1;
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String f = p.currentName();
      JsonToken v = p.nextToken();
      switch (f) {
        case "prompt_tokens", "input_tokens" -> prompt = count(p, v);
        case "completion_tokens", "output_tokens" -> completion = count(p, v);
        case "prompt_tokens_details", "input_tokens_details", "prompt_token_details" -> {
          if (v == JsonToken.START_OBJECT) {
            while (p.nextToken() == JsonToken.FIELD_NAME) {
              String d = p.currentName();
              JsonToken dv = p.nextToken();
              if ("cached_tokens".equals(d)) {
                cached = count(p, dv);
              } else {
                p.skipChildren();
              }
            }
          } else {
            p.skipChildren();
          }
        }
        default -> p.skipChildren();
      }
    }
    return new Usage(prompt, completion, cached);
  }

  private static long count(JsonParser p, JsonToken v) throws IOException {
    return v == JsonToken.VALUE_NUMBER_INT ? p.getLongValue() : -1;
  }
}
