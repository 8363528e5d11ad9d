package dev.loadfuse.common.settings;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * One value of a settings document and the path that leads to it ({@code
 * schedulingProfiles[0].plugins[2].weight}), with typed, range-checked getters whose errors name
 * that path: {@code picker.yaml: schedulingProfiles[0].plugins[2].weight: -1 (expected: >= 0)}.
 *
 * <p><b>Message shapes.</b> Every problem reads {@code SOURCE: PATH: VALUE (expected: WHAT)}
 * (parts that are empty are left out). Values are shown as JSON shows them ({@code "text"}, {@code
 * 42}, {@code true}), maps and lists as {@code a map} and {@code a list}. An unknown key reads
 * {@code PATH: unknown key "x" (known: a, b)} with the known keys in the order the reader declares
 * them.
 *
 * <p><b>Absent values.</b> A key that is not there, and a YAML/JSON {@code null}, are
 * {@linkplain #isMissing() missing}: the getters that take a default return it.
 *
 * <p><b>Layers.</b> Settings given as text (environment variables, command-line flags) are nodes
 * {@linkplain #ofText whose scalars are text}: their getters parse numbers, booleans and
 * durations from it, and their paths are the variable or flag names. {@link #layered} stacks
 * layers so that a key is read from the highest layer that has it, and a problem names that
 * layer: {@code LOADFUSE_HTTP_PORT: "x" (expected: an integer)}.
 *
 * <p>Immutable; any thread.
 */
public final class SettingsNode {

  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  /** What the nodes of one document share. */
  private record Doc(
      String source,
      Map<String, Integer> lines,
      boolean reportLines,
      boolean textScalars,
      Function<String, String> rootNames) {}

  private final Doc doc;
  private final String path;
  private final JsonNode value;
  private final SettingsNode below;

  private SettingsNode(Doc doc, String path, JsonNode value, SettingsNode below) {
    this.doc = doc;
    this.path = path;
    this.value = value == null ? MissingNode.getInstance() : value;
    this.below = below;
  }

  /**
   * A document already parsed (a Vert.x {@code JsonObject} turned into a tree, a Kubernetes object):
   * no line numbers.
   *
   * @param source names the document in messages; may be empty
   */
  public static SettingsNode of(String source, JsonNode tree) {
    return new SettingsNode(new Doc(source == null ? "" : source, Map.of(), false, false, null), "", tree, null);
  }

  /**
   * A value inside a document already parsed, at {@code path} (for readers that walk a tree
   * themselves and check one map's keys, e.g. {@code spec.rules[0]}).
   */
  public static SettingsNode of(String source, String path, JsonNode tree) {
    return new SettingsNode(new Doc(source == null ? "" : source, Map.of(), false, false, null),
        path == null ? "" : path, tree, null);
  }

  static SettingsNode document(String source, JsonNode tree, Map<String, Integer> lines, boolean reportLines) {
    return new SettingsNode(new Doc(source == null ? "" : source, Map.copyOf(lines), reportLines, false, null), "",
        tree, null);
  }

  /**
   * Settings given as text, keyed by setting name (environment variables, command-line flags):
   * numbers, booleans and durations are parsed from the text, lists are comma-separated, and each
   * value is named in messages by {@code names} ({@code httpPort} → {@code LOADFUSE_HTTP_PORT} or
   * {@code --http-port}). A null value counts as absent.
   */
  public static SettingsNode ofText(Map<String, String> values, Function<String, String> names) {
    ObjectNode o = NODES.objectNode();
    values.forEach((k, v) -> {
      if (v != null) {
        o.put(k, v);
      }
    });
    return new SettingsNode(new Doc("", Map.of(), false, true, Objects.requireNonNull(names, "names")), "", o, null);
  }

  /**
   * Layers stacked so that each key is read from the highest layer that has it (a map value is
   * taken whole from that layer, not merged). {@link #keys} checks every layer.
   *
   * @param lowestFirst e.g. file, environment, flags
   */
  public static SettingsNode layered(List<SettingsNode> lowestFirst) {
    SettingsNode top = null;
    for (SettingsNode layer : lowestFirst) {
      if (layer.below != null) {
        throw new IllegalArgumentException("layered: a layer is itself layered");
      }
      if (!layer.path.isEmpty()) {
        throw new IllegalArgumentException("layered: " + layer.path + " is not a root");
      }
      top = new SettingsNode(layer.doc, "", layer.value, top);
    }
    if (top == null) {
      throw new IllegalArgumentException("layered: no layers");
    }
    return top;
  }

  // ------------------------------------------------------------------ navigation

  /** The path of this value, {@code ""} at the root; e.g. {@code plugins[2].parameters}. */
  public String path() {
    return path;
  }

  /** What the document is called in messages (a file name, {@code --config-text}); {@code ""} when nothing. */
  public String source() {
    return doc.source();
  }

  /** The source and path, e.g. {@code picker.yaml: plugins[2]}; {@code ""} for a root without a source. */
  public String where() {
    String src = doc.source();
    if (src.isEmpty()) {
      return path;
    }
    return path.isEmpty() ? src : src + ": " + path;
  }

  /** The raw value; {@link MissingNode} when absent. */
  public JsonNode raw() {
    return value;
  }

  /** Absent, or {@code null} in the document. */
  public boolean isMissing() {
    return value.isMissingNode() || value.isNull();
  }

  public boolean isMap() {
    return value.isObject();
  }

  public boolean isList() {
    return value.isArray();
  }

  public boolean isText() {
    return value.isTextual();
  }

  /** Whether this map has a non-null {@code key} (in any layer). */
  public boolean has(String key) {
    return !get(key).isMissing();
  }

  /**
   * The value of {@code key}; a missing node when this is not a map or has no such key. In a
   * stack of layers, from the highest layer that has it.
   */
  public SettingsNode get(String key) {
    JsonNode v = value.isObject() ? value.get(key) : null;
    if ((v == null || v.isNull()) && below != null) {
      SettingsNode lower = below.get(key);
      // Missing in every layer: named by the key alone, in no layer.
      return lower.isMissing() ? new SettingsNode(new Doc("", Map.of(), false, false, null), key, null, null) : lower;
    }
    String childPath = path.isEmpty() && doc.rootNames() != null ? doc.rootNames().apply(key)
        : path.isEmpty() ? key : path + "." + key;
    return new SettingsNode(doc, childPath, v, null);
  }

  /** Element {@code i} of this list; a missing node when out of range or not a list. */
  public SettingsNode get(int i) {
    JsonNode v = value.isArray() ? value.get(i) : null;
    return new SettingsNode(doc, path + "[" + i + "]", v, null);
  }

  /** Elements of a list; empty when missing. */
  public List<SettingsNode> elements() {
    if (isMissing()) {
      return List.of();
    }
    if (!value.isArray()) {
      throw fail(describe() + " (expected: a list)");
    }
    List<SettingsNode> out = new ArrayList<>(value.size());
    for (int i = 0; i < value.size(); i++) {
      out.add(get(i));
    }
    return out;
  }

  /** The keys of a map in document order (this layer only); empty when missing. */
  public List<String> fieldNames() {
    List<String> out = new ArrayList<>();
    value.fieldNames().forEachRemaining(out::add);
    return out;
  }

  /** The number of entries of a map or elements of a list; 0 otherwise. */
  public int size() {
    return value.size();
  }

  // ------------------------------------------------------------------ shape

  /**
   * Checks that this is a map whose keys are all in {@code known}; in a stack of layers, every
   * layer. A missing value passes (nothing to check).
   *
   * @param known the keys the reader reads, in the order messages list them
   * @throws SettingsException {@code PATH: unknown key "x" (known: a, b)}, or {@code PATH: VALUE
   *     (expected: a map)}
   * @return this
   */
  public SettingsNode keys(Collection<String> known) {
    if (below != null) {
      below.keys(known);
    }
    if (isMissing()) {
      return this;
    }
    requireMap("a map");
    for (Iterator<String> it = value.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!known.contains(key)) {
        throw unknownKey(key, known);
      }
    }
    return this;
  }

  /** {@link #keys(Collection)} of the given names. */
  public SettingsNode keys(String... known) {
    return keys(List.of(known));
  }

  /**
   * The message for an unknown key, for readers that find one themselves: {@code PATH: unknown key
   * "x" (known: a, b)}.
   */
  public SettingsException unknownKey(String key, Collection<String> known) {
    SettingsNode child = get(key);
    String line = doc.reportLines() && doc.lines().containsKey(child.path) ? " (line " + doc.lines().get(child.path) + ")" : "";
    return new SettingsException(prefixOf(where()) + unknownKeyText(key, known) + line);
  }

  /** {@code unknown key "x" (known: a, b)}: the one phrasing for an unknown key, wherever it is found. */
  public static String unknownKeyText(String key, Collection<String> known) {
    return "unknown key " + quote(key) + " (known: " + (known.isEmpty() ? "none" : String.join(", ", known)) + ")";
  }

  /**
   * Checks that this is a map.
   *
   * @param expected what a map here is, e.g. {@code a map with type and parameters}
   * @return this
   */
  public SettingsNode requireMap(String expected) {
    if (!value.isObject()) {
      throw fail(describe() + " (expected: " + expected + ")");
    }
    return this;
  }

  // ------------------------------------------------------------------ typed values

  /** A non-blank string, or {@code dflt} when missing or blank. */
  public String string(String key, String dflt) {
    SettingsNode n = get(key);
    if (n.isMissing()) {
      return dflt;
    }
    String s = n.asString();
    return s.isBlank() ? dflt : s;
  }

  /** A non-blank string that must be there. */
  public String requiredString(String key) {
    SettingsNode n = get(key);
    if (n.isMissing()) {
      throw n.fail("missing");
    }
    if (!n.value.isTextual() || n.value.textValue().isBlank()) {
      throw n.fail(n.describe() + " (expected: a non-empty string)");
    }
    return n.value.textValue();
  }

  /** This value as a string (any string, possibly blank). */
  public String asString() {
    if (!value.isTextual()) {
      throw fail(describe() + " (expected: a string)");
    }
    return value.textValue();
  }

  /** An integer in [min, max], or {@code dflt} when missing. */
  public int integer(String key, int dflt, int min, int max) {
    return orDefault(key, dflt, n -> n.asInt(min, max));
  }

  /** This value as an integer in [min, max]. */
  public int asInt(int min, int max) {
    return (int) asLong(min, max);
  }

  /** A whole number in [min, max], or {@code dflt} when missing. */
  public long longValue(String key, long dflt, long min, long max) {
    return orDefault(key, dflt, n -> n.asLong(min, max));
  }

  /** This value as a whole number in [min, max]. */
  public long asLong(long min, long max) {
    return asWhole(min, max, doc.textScalars(), text -> Long.parseLong(text.trim()), "an integer");
  }

  /** A number in [min, max], or {@code dflt} when missing. */
  public double number(String key, double dflt, double min, double max) {
    return orDefault(key, dflt, n -> n.asDouble(min, max));
  }

  /** This value as a finite number in [min, max]. */
  public double asDouble(double min, double max) {
    double v;
    if (value.isNumber()) {
      v = value.doubleValue();
    } else if (doc.textScalars() && value.isTextual()) {
      try {
        v = Double.parseDouble(value.textValue().trim());
      } catch (NumberFormatException e) {
        throw fail(describe() + " (expected: a number)");
      }
    } else {
      throw fail(describe() + " (expected: a number)");
    }
    if (!Double.isFinite(v) || v < min || v > max) {
      throw fail(number(v) + " (expected: " + range(min, max) + ")");
    }
    return v;
  }

  /** {@code true} or {@code false}, or {@code dflt} when missing. */
  public boolean bool(String key, boolean dflt) {
    return orDefault(key, dflt, n -> n.asBool());
  }

  /** This value as a boolean. */
  public boolean asBool() {
    if (value.isBoolean()) {
      return value.booleanValue();
    }
    if (doc.textScalars() && value.isTextual()) {
      String s = value.textValue().trim();
      if (s.equalsIgnoreCase("true") || s.equalsIgnoreCase("false")) {
        return Boolean.parseBoolean(s);
      }
    }
    throw fail(describe() + " (expected: true or false)");
  }

  /** A positive duration such as {@code 50ms} or {@code 2s} ({@link Durations}), or {@code dflt} when missing. */
  public Duration duration(String key, Duration dflt) {
    return orDefault(key, dflt, n -> n.asDuration());
  }

  /** This value as a positive duration written with a unit ({@code 250us}, {@code 50ms}, {@code 2s}, {@code 1m}). */
  public Duration asDuration() {
    if (!value.isTextual()) {
      throw fail(describe() + " (expected: " + Durations.EXPECTED + ")");
    }
    Duration d;
    try {
      d = Durations.parse(where(), value.textValue());
    } catch (IllegalArgumentException e) {
      throw new SettingsException(e.getMessage() + lineSuffix(), e);
    }
    if (d.isZero() || d.isNegative()) {
      throw fail(describe() + " (expected: > 0)");
    }
    return d;
  }

  /**
   * A byte count in [min, max] written as a whole number or with a binary suffix ({@code 16Mi},
   * {@code 512Ki}, {@code 1Gi}; see {@link ByteSizes}), or {@code dflt} when missing.
   */
  public long bytes(String key, long dflt, long min, long max) {
    return orDefault(key, dflt, n -> n.asBytes(min, max));
  }

  /** This value as a byte count in [min, max]. */
  public long asBytes(long min, long max) {
    return asWhole(min, max, true, ByteSizes::parse, ByteSizes.EXPECTED);
  }

  /** This value as {@code dflt} when missing, else as {@code read} takes it. */
  private <T> T orDefault(String key, T dflt, Function<SettingsNode, T> read) {
    SettingsNode n = get(key);
    return n.isMissing() ? dflt : read.apply(n);
  }

  /**
   * This value as a whole number in [min, max]: an integral number, or (where {@code text} allows
   * it) a string that {@code parse} reads; anything else is a problem saying {@code expected}.
   */
  private long asWhole(long min, long max, boolean text, ToLongFunction<String> parse, String expected) {
    long v;
    if (value.isIntegralNumber() && value.canConvertToLong()) {
      v = value.longValue();
    } else if (text && value.isTextual()) {
      try {
        v = parse.applyAsLong(value.textValue());
      } catch (IllegalArgumentException e) {
        throw fail(describe() + " (expected: " + expected + ")");
      }
    } else {
      throw fail(describe() + " (expected: " + expected + ")");
    }
    if (v < min || v > max) {
      throw fail(v + " (expected: " + range(min, max) + ")");
    }
    return v;
  }

  /** One of {@code allowed} (compared ignoring case), or {@code dflt} when missing; returned as written in {@code allowed}. */
  public String oneOf(String key, String dflt, List<String> allowed) {
    return orDefault(key, dflt, n -> n.asOneOf(allowed));
  }

  /** This value as one of {@code allowed} (compared ignoring case), as written there. */
  public String asOneOf(List<String> allowed) {
    String s = value.isTextual() ? value.textValue().trim() : null;
    for (String a : allowed) {
      if (a.equalsIgnoreCase(s)) {
        return a;
      }
    }
    throw fail(describe() + " (expected: one of " + String.join(", ", allowed) + ")");
  }

  /**
   * A list of non-blank strings (in a text layer: comma-separated items, blank items dropped);
   * empty when missing.
   */
  public List<String> strings(String key) {
    return get(key).asStrings();
  }

  /** This value as a list of non-blank strings (see {@link #strings}). */
  public List<String> asStrings() {
    if (isMissing()) {
      return List.of();
    }
    List<String> out = new ArrayList<>();
    if (doc.textScalars() && value.isTextual()) {
      for (String s : value.textValue().split(",")) {
        if (!s.isBlank()) {
          out.add(s.trim());
        }
      }
      return List.copyOf(out);
    }
    for (SettingsNode e : elements()) {
      if (!e.value.isTextual() || e.value.textValue().isBlank()) {
        throw e.fail(e.describe() + " (expected: a non-empty string)");
      }
      out.add(e.value.textValue());
    }
    return List.copyOf(out);
  }

  /** A map of string values (possibly empty strings), in document order; empty when missing. */
  public Map<String, String> stringMap(String key) {
    return get(key).asStringMap();
  }

  /** This value as a map of string values, in document order. */
  public Map<String, String> asStringMap() {
    if (isMissing()) {
      return Map.of();
    }
    requireMap("a map of strings");
    Map<String, String> out = new LinkedHashMap<>();
    for (String k : fieldNames()) {
      SettingsNode v = get(k);
      if (!v.value.isTextual()) {
        throw v.fail(v.describe() + " (expected: a string)");
      }
      out.put(k, v.value.textValue());
    }
    return out;
  }

  // ------------------------------------------------------------------ messages

  /**
   * A problem with this value: {@code SOURCE: PATH: problem}, plus {@code (line N)} when the
   * reader reports lines.
   */
  public SettingsException fail(String problem) {
    return new SettingsException(prefixOf(where()) + problem + lineSuffix());
  }

  /** This value as messages show it: {@code "text"}, {@code 42}, {@code true}, {@code a map}, {@code a list}, {@code nothing}. */
  public String describe() {
    return describe(value);
  }

  /** How messages show a value: {@code "text"}, {@code 42}, {@code true}, {@code a map}, {@code a list}, {@code nothing}. */
  public static String describe(JsonNode v) {
    if (v == null || v.isMissingNode()) {
      return "nothing";
    }
    if (v.isTextual()) {
      return quote(v.textValue());
    }
    if (v.isObject()) {
      return "a map";
    }
    if (v.isArray()) {
      return "a list";
    }
    return v.toString();
  }

  /** {@code s} in double quotes, with quotes, backslashes and control characters escaped. */
  public static String quote(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> {
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** {@code [min, max]}, or {@code >= min} when max is the type's largest value. */
  public static String range(long min, long max) {
    if (max == Long.MAX_VALUE || max == Integer.MAX_VALUE) {
      return ">= " + min;
    }
    return "[" + min + ", " + max + "]";
  }

  private static String range(double min, double max) {
    if (max == Double.MAX_VALUE || max == Double.POSITIVE_INFINITY) {
      return ">= " + number(min);
    }
    return "[" + number(min) + ", " + number(max) + "]";
  }

  private static String number(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  private String lineSuffix() {
    if (!doc.reportLines()) {
      return "";
    }
    Integer line = doc.lines().get(path);
    if (line == null) {
      // A missing key: the line of the map it is missing from.
      int cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
      line = cut < 0 ? null : doc.lines().get(path.substring(0, cut));
    }
    return line == null ? "" : " (line " + line + ")";
  }

  private static String prefixOf(String where) {
    return where.isEmpty() ? "" : where + ": ";
  }

  @Override
  public String toString() {
    return where() + " = " + describe();
  }
}
