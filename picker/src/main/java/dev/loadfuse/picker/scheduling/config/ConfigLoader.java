package dev.loadfuse.picker.scheduling.config;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.Picker;
import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.ProfileHandler;
import dev.loadfuse.picker.scheduling.ProfileSpec;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.WeightedScorer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Reads an EndpointPickerConfig strictly.
 *
 * <pre>{@code
 * apiVersion: inference.networking.x-k8s.io/v1alpha1
 * kind: EndpointPickerConfig
 * featureGates: []                       # accepted, none acted on yet
 * plugins:
 * - type: queue-scorer                   # name defaults to the type
 * - {name: picker, type: max-score-picker, parameters: {maxNumOfEndpoints: 2}}
 * - type: model-server-protocol-metrics  # or core-metrics-extractor; engine metric mappings
 *   parameters: {defaultEngine: vllm}
 * schedulingProfiles:
 * - name: default
 *   plugins:
 *   - {pluginRef: queue-scorer, weight: 2}   # a scorer without weight gets 1
 *   - {pluginRef: picker}
 * }</pre>
 *
 * <p>Unknown keys, unknown plugin types, a missing or dangling {@code pluginRef}, a negative weight,
 * duplicate names and two pickers in one profile are errors whose message starts with the source
 * and names the path, e.g. {@code picker.yaml: schedulingProfiles[0].plugins[2].weight: -1
 * (expected: >= 0)}.
 *
 * <p>Defaults, as in the reference: a profile without a picker gets a {@code max-score-picker}; a
 * config without a profile handler gets {@code single-profile-handler}; a config without
 * {@code schedulingProfiles} gets one profile {@code default} with every filter, scorer and picker
 * in plugin order. {@link #DEFAULT_CONFIG_TEXT} is used when no config is given at all. A {@code
 * weight} on a filter or picker is ignored (the reference ignores it too).
 *
 * <p>Thread-safe once the registry is filled.
 */
public final class ConfigLoader {

  public static final String API_VERSION = "inference.networking.x-k8s.io/v1alpha1";
  public static final String KIND = "EndpointPickerConfig";
  public static final String DEFAULT_PICKER_TYPE = "max-score-picker";
  public static final String DEFAULT_PROFILE_HANDLER_TYPE = "single-profile-handler";
  public static final String DEFAULT_PROFILE_NAME = "default";

  /**
   * The config used when none is given, the reference's (GIE v1.5) defaults: queue and KV-cache
   * scorers (weight 2 each), prefix-cache scorer (weight 3), max score; the utilization detector.
   */
  public static final String DEFAULT_CONFIG_TEXT = """
      apiVersion: inference.networking.x-k8s.io/v1alpha1
      kind: EndpointPickerConfig
      plugins:
      - type: queue-scorer
      - type: kv-cache-utilization-scorer
      - type: prefix-cache-scorer
      - type: max-score-picker
      - type: single-profile-handler
      schedulingProfiles:
      - name: default
        plugins:
        - pluginRef: queue-scorer
          weight: 2
        - pluginRef: kv-cache-utilization-scorer
          weight: 2
        - pluginRef: prefix-cache-scorer
          weight: 3
        - pluginRef: max-score-picker
      """;

  private static final List<String> ROOT_KEYS =
      List.of("apiVersion", "kind", "featureGates", "plugins", "schedulingProfiles", "saturationDetector");
  private static final List<String> DETECTOR_KEYS =
      List.of("pluginRef", "queueDepthThreshold", "kvCacheUtilThreshold", "metricsStalenessThreshold");
  /** The saturation detector used when the config names none (and the name it is looked up by). */
  public static final String DEFAULT_SATURATION_DETECTOR_TYPE = "utilization-detector";
  private static final List<String> PLUGIN_KEYS = List.of("name", "type", "parameters");
  private static final List<String> PROFILE_KEYS = List.of("name", "plugins");
  private static final List<String> REF_KEYS = List.of("pluginRef", "weight");

  private static final ObjectReader YAML = YAMLMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .build()
      .readerFor(JsonNode.class);

  private final PluginRegistry registry;

  public ConfigLoader(PluginRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
  }

  /** The config used when none is given. */
  public PickerConfig defaults() {
    return load(DEFAULT_CONFIG_TEXT, "default config");
  }

  /**
   * @throws ConfigException starting with the file name, also when it cannot be read
   */
  public PickerConfig loadFile(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file + ": no such file");
    } catch (IOException e) {
      throw new ConfigException(file + ": cannot read: " + e.getMessage(), e);
    }
    return load(text, file.toString());
  }

  /**
   * @param source names the text in errors (a file name, {@code --config-text})
   * @throws ConfigException starting with {@code source}
   */
  public PickerConfig load(String text, String source) {
    try {
      return decode(parse(text));
    } catch (ConfigException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e.getCause());
    }
  }

  private static JsonNode parse(String text) {
    if (text == null || text.isBlank()) {
      throw new ConfigException("empty config");
    }
    JsonNode root;
    try {
      root = YAML.readValue(text);
    } catch (JacksonException e) {
      throw new ConfigException("invalid YAML: " + e.getOriginalMessage()
          + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ")" : ""), e);
    }
    if (root == null || !root.isObject()) {
      throw new ConfigException("expected a map with apiVersion and kind");
    }
    return root;
  }

  private PickerConfig decode(JsonNode root) {
    checkKeys(root, "", ROOT_KEYS);
    requireText(root, "", "apiVersion", API_VERSION);
    requireText(root, "", "kind", KIND);
    List<String> gates = new ArrayList<>();
    JsonNode gateList = list(root, "", "featureGates");
    for (int i = 0; i < gateList.size(); i++) {
      JsonNode g = gateList.get(i);
      if (!g.isTextual()) {
        throw ConfigException.at("featureGates[" + i + "]", Parameters.describe(g) + " (expected: a string)");
      }
      gates.add(g.textValue());
    }

    // plugins
    Map<String, Plugin> byName = new LinkedHashMap<>();
    Map<String, String> pathOf = new HashMap<>();
    JsonNode plugins = list(root, "", "plugins");
    for (int i = 0; i < plugins.size(); i++) {
      String path = "plugins[" + i + "]";
      JsonNode entry = plugins.get(i);
      if (!entry.isObject()) {
        throw ConfigException.at(path, Parameters.describe(entry) + " (expected: a map with type)");
      }
      checkKeys(entry, path + ".", PLUGIN_KEYS);
      String type = text(entry, path, "type", true);
      String name = text(entry, path, "name", false);
      if (name == null) {
        name = type;
      }
      if (byName.containsKey(name)) {
        throw ConfigException.at(path + ".name", "duplicate plugin name \"" + name + "\" (also " + pathOf.get(name) + ")");
      }
      PluginFactory factory = registry.factory(type);
      if (factory == null) {
        throw ConfigException.at(path + ".type",
            "unknown plugin type \"" + type + "\" (known: " + String.join(", ", registry.types()) + ")");
      }
      byName.put(name, create(factory, name, Parameters.of(path + ".parameters", entry.get("parameters"))));
      pathOf.put(name, path);
    }
    List<Plugin> all = new ArrayList<>(byName.values());

    // profile handler and engine metrics: at most one of each
    ProfileHandler handler = null;
    EngineMetricsPlugin metrics = null;
    for (Plugin p : all) {
      if (p instanceof ProfileHandler h) {
        if (handler != null) {
          throw ConfigException.at(pathOf.get(p.typedName().name()),
              "a second profile handler (" + p.typedName() + "; already " + handler.typedName() + ")");
        }
        handler = h;
      }
      if (p instanceof EngineMetricsPlugin m) {
        if (metrics != null) {
          throw ConfigException.at(pathOf.get(p.typedName().name()),
              "a second engine metrics plugin (" + p.typedName() + "; already " + metrics.typedName() + ")");
        }
        metrics = m;
      }
    }
    if (handler == null) {
      handler = (ProfileHandler) createDefault(DEFAULT_PROFILE_HANDLER_TYPE, all);
    }

    // profiles
    List<ProfileSpec> profiles = new ArrayList<>();
    JsonNode profileList = list(root, "", "schedulingProfiles");
    if (profileList.isEmpty()) {
      profiles.add(implicitProfile(all, pathOf));
    }
    Set<String> profileNames = new HashSet<>();
    for (int i = 0; i < profileList.size(); i++) {
      String path = "schedulingProfiles[" + i + "]";
      JsonNode entry = profileList.get(i);
      if (!entry.isObject()) {
        throw ConfigException.at(path, Parameters.describe(entry) + " (expected: a map with name and plugins)");
      }
      checkKeys(entry, path + ".", PROFILE_KEYS);
      String name = text(entry, path, "name", true);
      if (!profileNames.add(name)) {
        throw ConfigException.at(path + ".name", "duplicate profile name \"" + name + "\"");
      }
      profiles.add(profile(name, path, list(entry, path + ".", "plugins"), byName, all));
    }
    List<String> names = new ArrayList<>();
    profiles.forEach(p -> names.add(p.name()));
    String problem = handler.checkProfiles(names);
    if (problem != null) {
      throw ConfigException.at("schedulingProfiles", problem + " (profile handler " + handler.typedName() + ")");
    }
    // After the profiles: a detector created here must not become a filter of the implicit profile.
    SaturationDetector detector = saturationDetector(root.get("saturationDetector"), byName, all);
    return new PickerConfig(all, handler, profiles, metrics == null ? null : metrics.engines(), gates, detector);
  }

  /**
   * The reference's two shapes: {@code {pluginRef: NAME}} naming a detector plugin, or the older
   * thresholds ({@code queueDepthThreshold}, {@code kvCacheUtilThreshold}, {@code
   * metricsStalenessThreshold}) for a utilization-detector; not both. Without the section, the
   * plugin named {@code utilization-detector} if there is one, else a default one.
   */
  private SaturationDetector saturationDetector(JsonNode section, Map<String, Plugin> byName, List<Plugin> all) {
    String path = "saturationDetector";
    if (section == null || section.isNull()) {
      if (byName.get(DEFAULT_SATURATION_DETECTOR_TYPE) instanceof SaturationDetector d) {
        return d;
      }
      return (SaturationDetector) createDefault(DEFAULT_SATURATION_DETECTOR_TYPE, all);
    }
    if (!section.isObject()) {
      throw ConfigException.at(path, Parameters.describe(section) + " (expected: a map with pluginRef)");
    }
    checkKeys(section, path + ".", DETECTOR_KEYS);
    String ref = text(section, path, "pluginRef", false);
    if (ref != null) {
      if (section.size() > 1) {
        throw ConfigException.at(path, "pluginRef and the threshold fields are mutually exclusive"
            + " (put the thresholds in the parameters of the plugin pluginRef names)");
      }
      Plugin p = byName.get(ref);
      if (p == null) {
        throw ConfigException.at(path + ".pluginRef", "\"" + ref + "\" names no plugin in plugins"
            + (byName.isEmpty() ? " (there are none)" : " (known: " + String.join(", ", byName.keySet()) + ")"));
      }
      if (!(p instanceof SaturationDetector d)) {
        throw ConfigException.at(path + ".pluginRef", "\"" + ref + "\" is a " + p.typedName().type()
            + " plugin, which is not a saturation detector");
      }
      return d;
    }
    PluginFactory factory = registry.factory(DEFAULT_SATURATION_DETECTOR_TYPE);
    if (factory == null) {
      throw new IllegalStateException("the registry lacks the default plugin type " + DEFAULT_SATURATION_DETECTOR_TYPE);
    }
    Plugin p = create(factory, DEFAULT_SATURATION_DETECTOR_TYPE, Parameters.of(path, section));
    all.add(p);
    return (SaturationDetector) p;
  }

  private ProfileSpec profile(String name, String path, JsonNode refs, Map<String, Plugin> byName, List<Plugin> all) {
    List<Filter> filters = new ArrayList<>();
    List<WeightedScorer> scorers = new ArrayList<>();
    Picker picker = null;
    Set<String> seen = new HashSet<>();
    for (int j = 0; j < refs.size(); j++) {
      String rp = path + ".plugins[" + j + "]";
      JsonNode ref = refs.get(j);
      if (!ref.isObject()) {
        throw ConfigException.at(rp, Parameters.describe(ref) + " (expected: a map with pluginRef)");
      }
      checkKeys(ref, rp + ".", REF_KEYS);
      String pluginRef = text(ref, rp, "pluginRef", true);
      Plugin plugin = byName.get(pluginRef);
      if (plugin == null) {
        throw ConfigException.at(rp + ".pluginRef", "\"" + pluginRef + "\" names no plugin in plugins"
            + (byName.isEmpty() ? " (there are none)" : " (known: " + String.join(", ", byName.keySet()) + ")"));
      }
      if (!seen.add(pluginRef)) {
        throw ConfigException.at(rp + ".pluginRef", "\"" + pluginRef + "\" is referenced twice in profile " + name);
      }
      double weight = weight(ref, rp);
      boolean used = false;
      if (plugin instanceof Filter f) {
        filters.add(f);
        used = true;
      }
      if (plugin instanceof Scorer s) {
        scorers.add(new WeightedScorer(s, weight));
        used = true;
      }
      if (plugin instanceof Picker p) {
        if (picker != null) {
          throw ConfigException.at(rp + ".pluginRef", "a second picker in profile " + name
              + " (" + plugin.typedName() + "; already " + picker.typedName() + ")");
        }
        picker = p;
        used = true;
      }
      if (!used) {
        throw ConfigException.at(rp + ".pluginRef", "\"" + pluginRef + "\" is a " + plugin.typedName().type()
            + " plugin, which is not a filter, scorer or picker");
      }
    }
    if (picker == null) {
      picker = (Picker) createDefault(DEFAULT_PICKER_TYPE, all);
    }
    return new ProfileSpec(name, filters, scorers, picker);
  }

  /** Without schedulingProfiles: one profile with every filter, scorer and picker in plugin order. */
  private ProfileSpec implicitProfile(List<Plugin> all, Map<String, String> pathOf) {
    List<Filter> filters = new ArrayList<>();
    List<WeightedScorer> scorers = new ArrayList<>();
    Picker picker = null;
    for (Plugin p : new ArrayList<>(all)) {
      if (p instanceof Filter f) {
        filters.add(f);
      }
      if (p instanceof Scorer s) {
        scorers.add(new WeightedScorer(s, 1));
      }
      if (p instanceof Picker pk) {
        if (picker != null) {
          throw ConfigException.at(pathOf.get(p.typedName().name()), "a second picker (" + p.typedName()
              + "; already " + picker.typedName() + ") and no schedulingProfiles to say which one to use");
        }
        picker = pk;
      }
    }
    if (picker == null) {
      picker = (Picker) createDefault(DEFAULT_PICKER_TYPE, all);
    }
    return new ProfileSpec(DEFAULT_PROFILE_NAME, filters, scorers, picker);
  }

  private Plugin createDefault(String type, List<Plugin> all) {
    PluginFactory factory = registry.factory(type);
    if (factory == null) {
      throw new IllegalStateException("the registry lacks the default plugin type " + type);
    }
    Plugin p = create(factory, type, Parameters.none("(default " + type + ").parameters"));
    all.add(p);
    return p;
  }

  private static Plugin create(PluginFactory factory, String name, Parameters parameters) {
    Plugin p;
    try {
      p = factory.create(name, parameters);
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw ConfigException.at(parameters.path(), e.getMessage());
    }
    parameters.finish();
    return p;
  }

  private static double weight(JsonNode ref, String path) {
    JsonNode w = ref.get("weight");
    if (w == null || w.isNull()) {
      return 1;
    }
    if (!w.isNumber()) {
      throw ConfigException.at(path + ".weight", Parameters.describe(w) + " (expected: a number >= 0)");
    }
    double d = w.doubleValue();
    if (!(d >= 0) || Double.isInfinite(d)) {
      throw ConfigException.at(path + ".weight", w.asText() + " (expected: >= 0)");
    }
    return d;
  }

  private static void checkKeys(JsonNode node, String prefix, List<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw ConfigException.at(prefix + key, "unknown key (known: " + String.join(", ", allowed) + ")");
      }
    }
  }

  private static void requireText(JsonNode node, String prefix, String key, String expected) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      throw ConfigException.at(prefix + key, "missing (expected: " + expected + ")");
    }
    if (!v.isTextual() || !v.textValue().equals(expected)) {
      throw ConfigException.at(prefix + key, Parameters.describe(v) + " (expected: " + expected + ")");
    }
  }

  private static String text(JsonNode node, String path, String key, boolean required) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw ConfigException.at(path + "." + key, "missing");
      }
      return null;
    }
    if (!v.isTextual() || v.textValue().isBlank()) {
      throw ConfigException.at(path + "." + key, Parameters.describe(v) + " (expected: a non-empty string)");
    }
    return v.textValue();
  }

  private static JsonNode list(JsonNode node, String prefix, String key) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      return YAMLMapper.builder().build().createArrayNode();
    }
    if (!v.isArray()) {
      throw ConfigException.at(prefix + key, Parameters.describe(v) + " (expected: a list)");
    }
    return v;
  }

}
