package dev.loadfuse.common.settings;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import dev.loadfuse.common.errors.Problems;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads YAML or JSON settings strictly into {@link SettingsNode}s that carry their path: the one
 * reader behind every settings file of loadfuse (EndpointPickerConfig, routing objects, engine
 * mappings, endpoints files, mock GPU files, sidecar and picker options).
 *
 * <p>Strict at the syntax level: a duplicate key ({@code endpoints[0]: duplicate key "port"}), a
 * second document where one is expected, and a file over {@link #maxBytes(long)} are errors.
 * Syntax errors name the line and column: {@code picker.yaml: invalid YAML (line 3, column 7):
 * mapping values are not allowed here}. Unknown keys, types and ranges are checked by the reader
 * of each format through {@link SettingsNode}, so every message has one shape.
 *
 * <p>The line of every value is kept; with {@link #reportLines(boolean)} the messages of the
 * nodes read name it too ({@code e.yaml: endpoints[1].port: 70000 (expected: [1, 65535]) (line
 * 9)}).
 *
 * <p>Immutable and thread-safe; the {@code with} methods return a new reader.
 */
public final class SettingsReader {

  /** The text format of a document. */
  public enum Format {
    YAML,
    JSON;

    /** JSON when the file name ends in {@code .json} (any case), else YAML. */
    public static Format of(Path file) {
      Path name = file.getFileName();
      return name != null && name.toString().toLowerCase(Locale.ROOT).endsWith(".json") ? JSON : YAML;
    }
  }

  /** The largest settings file read by default (every file of ours is far smaller). */
  public static final long DEFAULT_MAX_BYTES = 1 << 20;
  /** What a file read without {@link #limit} is called in the size message. */
  public static final String DEFAULT_WHAT = "a settings file";

  // An empty plain scalar (`key:` with nothing after it) is null, as YAML 1.1 says; '' stays "".
  private static final YAMLFactory YAML = YAMLFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL)
      .build();
  private static final JsonFactory JSON = JsonFactory.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.withExactBigDecimals(true);
  private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.*)'");

  private final boolean reportLines;
  private final long maxBytes;
  private final String what;

  private SettingsReader(boolean reportLines, long maxBytes, String what) {
    this.reportLines = reportLines;
    this.maxBytes = maxBytes;
    this.what = what;
  }

  /** A reader without line numbers in its value messages, for files up to {@link #DEFAULT_MAX_BYTES}. */
  public static SettingsReader strict() {
    return new SettingsReader(false, DEFAULT_MAX_BYTES, DEFAULT_WHAT);
  }

  /** Whether messages about values end with {@code (line N)}. */
  public SettingsReader reportLines(boolean report) {
    return new SettingsReader(report, maxBytes, what);
  }

  /**
   * Files larger than {@code bytes} are refused, before reading when their size is known and while
   * reading otherwise ({@link BoundedFiles}); the message calls the file {@code what}: {@code
   * picker.yaml: 104857600 bytes, larger than the 4 MiB limit for an EndpointPickerConfig}.
   */
  public SettingsReader limit(long bytes, String what) {
    if (bytes < 1) {
      throw new IllegalArgumentException("maxBytes: " + bytes + " (expected: >= 1)");
    }
    return new SettingsReader(reportLines, bytes, what);
  }

  /** The size limit of the files this reader reads. */
  public long maxBytes() {
    return maxBytes;
  }

  /**
   * Reads one document from {@code file}, YAML or JSON by its name ({@link Format#of}); the file
   * names the values in messages.
   *
   * @throws SettingsException when the file cannot be read, is too large or is not valid
   */
  public SettingsNode read(Path file) {
    return parse(file.toString(), readText(file), Format.of(file));
  }

  /**
   * The text of {@code file}, at most {@link #maxBytes()} bytes ({@link BoundedFiles}).
   *
   * @throws SettingsException {@code FILE: cannot read: no such file}, {@code FILE: N bytes,
   *     larger than the 1 MiB limit for a settings file} or {@code FILE: cannot read: ...}
   */
  public String readText(Path file) {
    return BoundedFiles.readString(file, maxBytes, what);
  }

  /**
   * Reads exactly one document; an empty text gives a {@linkplain SettingsNode#isMissing()
   * missing} root, which the caller reports in its own words.
   *
   * @param source names the text in messages (a file name, {@code --config-text}); may be empty
   * @throws SettingsException for a syntax error, a duplicate key, or a second document
   */
  public SettingsNode parse(String source, String text, Format format) {
    List<SettingsNode> docs = documents(source, text, format, true);
    return docs.isEmpty() ? SettingsNode.document(source, MissingNode.getInstance(), Map.of(), reportLines) : docs.getFirst();
  }

  /**
   * Reads every document of a YAML stream ({@code ---} separated); empty documents are skipped.
   *
   * @throws SettingsException for a syntax error or a duplicate key
   */
  public List<SettingsNode> parseAll(String source, String text) {
    return documents(source, text, Format.YAML, false);
  }

  private List<SettingsNode> documents(String source, String text, Format format, boolean one) {
    List<SettingsNode> out = new ArrayList<>();
    try (JsonParser p = (format == Format.JSON ? JSON : YAML).createParser(text)) {
      while (p.nextToken() != null) {
        if (one && !out.isEmpty()) {
          throw new SettingsException(prefix(source) + "more than one document" + at(p.currentTokenLocation())
              + " (expected: exactly one)");
        }
        Map<String, Integer> lines = new HashMap<>();
        JsonNode root = value(p, source, "", lines);
        // An empty YAML document reads as null or as an empty scalar.
        if (!root.isNull() && !(root.isTextual() && root.textValue().isEmpty())) {
          out.add(SettingsNode.document(source, root, lines, reportLines));
        }
      }
    } catch (SettingsException e) {
      throw e;
    } catch (JacksonException e) {
      throw new SettingsException(prefix(source) + syntax(e, format), e);
    } catch (IOException e) {
      throw new SettingsException(prefix(source) + "cannot read: " + e.getMessage(), e);
    }
    return out;
  }

  // Builds the tree of the value at the parser's current token, noting each value's line.
  private static JsonNode value(JsonParser p, String source, String path, Map<String, Integer> lines)
      throws IOException {
    lines.put(path, p.currentTokenLocation().getLineNr());
    JsonToken t = p.currentToken();
    switch (t) {
      case START_OBJECT -> {
        ObjectNode o = NODES.objectNode();
        while (true) {
          JsonToken next;
          try {
            next = p.nextToken();
          } catch (StreamReadException e) {
            Matcher dup = DUPLICATE.matcher(e.getOriginalMessage() == null ? "" : e.getOriginalMessage());
            if (dup.find()) {
              throw new SettingsException(prefix(source) + (path.isEmpty() ? "" : path + ": ") + "duplicate key \""
                  + dup.group(1) + "\"" + line(e.getLocation()), e);
            }
            throw e;
          }
          if (next == JsonToken.END_OBJECT) {
            return o;
          }
          String key = p.currentName();
          p.nextToken();
          o.set(key, value(p, source, path.isEmpty() ? key : path + "." + key, lines));
        }
      }
      case START_ARRAY -> {
        ArrayNode a = NODES.arrayNode();
        while (p.nextToken() != JsonToken.END_ARRAY) {
          a.add(value(p, source, path + "[" + a.size() + "]", lines));
        }
        return a;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return switch (p.getNumberType()) {
          case INT -> NODES.numberNode(p.getIntValue());
          case LONG -> NODES.numberNode(p.getLongValue());
          default -> NODES.numberNode(p.getBigIntegerValue());
        };
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDoubleValue());
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return NODES.booleanNode(t == JsonToken.VALUE_TRUE);
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      default -> {
        // VALUE_EMBEDDED_OBJECT (YAML binary): no setting of ours takes one.
        return NODES.textNode(p.getText());
      }
    }
  }

  private static String syntax(JacksonException e, Format format) {
    MarkedYAMLException yaml = Problems.find(e, MarkedYAMLException.class);
    if (yaml != null && yaml.getProblemMark() != null) {
      var mark = yaml.getProblemMark();
      String context = yaml.getContext() == null ? "" : yaml.getContext() + ": ";
      return "invalid YAML (line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1) + "): " + context
          + yaml.getProblem();
    }
    return "invalid " + format + at(e.getLocation()) + ": " + firstLine(e.getOriginalMessage());
  }

  private static String prefix(String source) {
    return source == null || source.isEmpty() ? "" : source + ": ";
  }

  private static String at(JsonLocation loc) {
    return loc == null || loc.getLineNr() < 1 ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }

  private static String line(JsonLocation loc) {
    return loc == null || loc.getLineNr() < 1 ? "" : " (line " + loc.getLineNr() + ")";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    // Jackson appends the source and position, which the message already names.
    for (String cut : new String[] {"\n", " at [Source"}) {
      int i = s.indexOf(cut);
      if (i >= 0) {
        s = s.substring(0, i);
      }
    }
    return s.strip();
  }

}
