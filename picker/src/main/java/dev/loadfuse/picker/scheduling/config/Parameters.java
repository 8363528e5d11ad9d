package dev.loadfuse.picker.scheduling.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.loadfuse.common.settings.Durations;
import dev.loadfuse.common.settings.SettingsNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A plugin's {@code parameters}: a factory asks for the keys it knows, then calls {@link
 * #finish()}, which turns every other key into one warning in the unknown-key phrasing of the
 * settings reader ({@code plugins[3].parameters: unknown key "x" (known: a, b)}; ignored) — the
 * reference ignores unknown parameter keys, so a config written for it must still load. Values of
 * known keys are checked strictly; every error names the full path, e.g. {@code
 * plugins[3].parameters.maxNumOfEndpoints: "two" (expected: an integer)}.
 *
 * <p>Not thread-safe; used once while loading.
 */
public final class Parameters {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final String path;
  private final JsonNode node;
  private final Set<String> known = new LinkedHashSet<>();
  private final List<String> warnings = new ArrayList<>();
  private boolean everything;
  private ConfigFlavor flavor = ConfigFlavor.GIE;

  private Parameters(String path, JsonNode node) {
    this.path = path;
    this.node = node;
  }

  /**
   * @param path where the parameters are, e.g. {@code plugins[3].parameters}
   * @param node a map, or null / missing / YAML null for "none"
   */
  public static Parameters of(String path, JsonNode node) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      return new Parameters(path, MAPPER.createObjectNode());
    }
    if (!node.isObject()) {
      throw ConfigException.at(path, "expected a map, got " + describe(node));
    }
    return new Parameters(path, node);
  }

  /** No parameters at all. */
  public static Parameters none(String path) {
    return of(path, null);
  }

  /**
   * Marks these parameters as written for {@code flavor} (GIE unless said), for the plugin types
   * whose defaults differ between the two references; returns this.
   */
  public Parameters in(ConfigFlavor flavor) {
    this.flavor = java.util.Objects.requireNonNull(flavor, "flavor");
    return this;
  }

  /** The reference format the config was written in. */
  public ConfigFlavor flavor() {
    return flavor;
  }

  /** Where these parameters are, e.g. {@code plugins[3].parameters}. */
  public String path() {
    return path;
  }

  /** The path of {@code key}, for a factory's own error messages. */
  public String path(String key) {
    return path + "." + key;
  }

  public boolean has(String key) {
    known.add(key);
    JsonNode v = node.get(key);
    return v != null && !v.isNull();
  }

  /**
   * The value of {@code key}, which becomes known; null when absent or null. A present value must
   * pass {@code is}, else the error names what was {@code expected}.
   */
  private JsonNode typed(String key, java.util.function.Predicate<JsonNode> is, String expected) {
    known.add(key);
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!is.test(v)) {
      throw ConfigException.at(path(key), describe(v) + " (expected: " + expected + ")");
    }
    return v;
  }

  /** An integer in [min, max], or {@code defaultValue} when absent. */
  public int integer(String key, int defaultValue, int min, int max) {
    JsonNode v = typed(key, n -> n.isIntegralNumber() && n.canConvertToInt(), "an integer");
    if (v == null) {
      return defaultValue;
    }
    int i = v.intValue();
    if (i < min || i > max) {
      throw ConfigException.at(path(key), i + " (expected: " + range(min, max) + ")");
    }
    return i;
  }

  /**
   * A number in [min, max] (or (min, max] when {@code minExclusive}), or {@code defaultValue}
   * when absent.
   */
  public double number(String key, double defaultValue, double min, boolean minExclusive, double max) {
    JsonNode v = typed(key, JsonNode::isNumber, "a number");
    if (v == null) {
      return defaultValue;
    }
    double d = v.doubleValue();
    boolean aboveMin = minExclusive ? d > min : d >= min;
    if (!aboveMin || !(d <= max)) {
      String low = (minExclusive ? "(" : "[") + trim(min);
      String expected = max == Double.MAX_VALUE ? (minExclusive ? "> " : ">= ") + trim(min) : low + ", " + trim(max) + "]";
      throw ConfigException.at(path(key), v.asText() + " (expected: " + expected + ")");
    }
    return d;
  }

  /**
   * A positive duration written as {@code 200ms}, {@code 1s}, {@code 2m}, or {@code defaultValue}
   * when absent.
   */
  public java.time.Duration duration(String key, java.time.Duration defaultValue) {
    JsonNode v = typed(key, JsonNode::isTextual, "a duration such as 200ms or 1s");
    if (v == null) {
      return defaultValue;
    }
    java.time.Duration d;
    try {
      d = Durations.parse(path(key), v.textValue());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    if (d.isZero() || d.isNegative()) {
      throw ConfigException.at(path(key), "\"" + v.textValue() + "\" (expected: > 0)");
    }
    return d;
  }

  private static String trim(double d) {
    return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
  }

  /** A string, or {@code defaultValue} when absent. */
  public String string(String key, String defaultValue) {
    JsonNode v = typed(key, JsonNode::isTextual, "a string");
    if (v == null) {
      return defaultValue;
    }
    return v.textValue();
  }

  /** A non-blank string that must be present. */
  public String requiredString(String key) {
    String s = string(key, null);
    if (s == null || s.isBlank()) {
      throw ConfigException.at(path(key), "missing");
    }
    return s;
  }

  /** A boolean, or {@code defaultValue} when absent. */
  public boolean bool(String key, boolean defaultValue) {
    JsonNode v = typed(key, JsonNode::isBoolean, "true or false");
    if (v == null) {
      return defaultValue;
    }
    return v.booleanValue();
  }

  /** A list of strings, empty when absent. */
  public List<String> strings(String key) {
    known.add(key);
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return List.of();
    }
    if (!v.isArray()) {
      throw ConfigException.at(path(key), describe(v) + " (expected: a list of strings)");
    }
    List<String> out = new ArrayList<>(v.size());
    for (int i = 0; i < v.size(); i++) {
      JsonNode e = v.get(i);
      if (!e.isTextual()) {
        throw ConfigException.at(path(key) + "[" + i + "]", describe(e) + " (expected: a string)");
      }
      out.add(e.textValue());
    }
    return out;
  }

  /**
   * Every parameter as plain Java values (maps, lists, strings, numbers), for decoders that check
   * the keys themselves; {@link #finish()} then accepts every key.
   */
  public Map<String, Object> asMap() {
    everything = true;
    @SuppressWarnings("unchecked")
    Map<String, Object> m = MAPPER.convertValue(node, LinkedHashMap.class);
    return m;
  }

  /**
   * A deprecated key still read in place of {@code key} (the reference keeps accepting it): the
   * value of {@code key} if present, else of {@code deprecatedKey} with a warning, else null.
   */
  public String deprecatedAlias(String key, String deprecatedKey) {
    known.add(deprecatedKey);
    JsonNode v = node.get(deprecatedKey);
    if (v == null || v.isNull()) {
      return key;
    }
    if (has(key)) {
      warn(path(deprecatedKey) + ": deprecated and ignored because " + key + " is set");
      return key;
    }
    warn(path(deprecatedKey) + ": deprecated (use " + key + ")");
    return deprecatedKey;
  }

  /** Records a warning the loader logs once the config is loaded. */
  public void warn(String warning) {
    warnings.add(warning);
  }

  /** Every key no getter asked for becomes a warning; returns the warnings so far. */
  public List<String> finish() {
    if (!everything) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String key = it.next();
        if (!known.contains(key)) {
          warnings.add(path + ": " + SettingsNode.unknownKeyText(key, known) + "; ignored");
        }
      }
    }
    return List.copyOf(warnings);
  }

  static String describe(JsonNode v) {
    if (v.isTextual()) {
      return "\"" + v.textValue() + "\"";
    }
    if (v.isObject()) {
      return "a map";
    }
    if (v.isArray()) {
      return "a list";
    }
    return v.toString();
  }

  private static String range(int min, int max) {
    if (max == Integer.MAX_VALUE) {
      return ">= " + min;
    }
    return "[" + min + ", " + max + "]";
  }
}
