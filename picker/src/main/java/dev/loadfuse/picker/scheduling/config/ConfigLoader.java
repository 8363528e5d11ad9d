package dev.loadfuse.picker.scheduling.config;

import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsReader;
import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.Picker;
import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.ProfileHandler;
import dev.loadfuse.picker.scheduling.ProfileSpec;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.WeightedScorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
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
 * featureGates: [flowControl]            # flow control (the flowControl section); others accepted
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
 * <p>Read with the strict settings reader ({@link SettingsReader}): unknown keys ({@code picker.yaml:
 * plugins[0]: unknown key "wieght" (known: name, type, parameters)}), duplicate keys, unknown plugin
 * types, a missing or dangling {@code pluginRef}, a negative weight, duplicate names and two pickers
 * in one profile are errors whose message starts with the source and names the path, e.g. {@code
 * picker.yaml: schedulingProfiles[0].plugins[2].weight: -1 (expected: >= 0)}.
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
  /** The llm-d router's apiVersion: the same document, with the router's semantics where they differ. */
  public static final String ROUTER_API_VERSION = "llm-d.ai/v1alpha1";
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
      List.of("apiVersion", "kind", "featureGates", "plugins", "schedulingProfiles", "saturationDetector", "flowControl");
  private static final List<String> DETECTOR_KEYS =
      List.of("pluginRef", "queueDepthThreshold", "kvCacheUtilThreshold", "metricsStalenessThreshold");
  /** The saturation detector used when the config names none (and the name it is looked up by). */
  public static final String DEFAULT_SATURATION_DETECTOR_TYPE = "utilization-detector";
  private static final List<String> PLUGIN_KEYS = List.of("name", "type", "parameters");
  private static final List<String> PROFILE_KEYS = List.of("name", "plugins");
  private static final List<String> REF_KEYS = List.of("pluginRef", "weight");

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
      text = SettingsReader.strict().readText(file);
    } catch (SettingsException e) {
      throw new ConfigException(e.getMessage(), e);
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
    } catch (ConfigException | SettingsException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e.getCause());
    }
  }

  private static SettingsNode parse(String text) {
    if (text == null || text.isBlank()) {
      throw new ConfigException("empty config");
    }
    // The source is added by load(), to these messages and to the decoder's alike.
    SettingsNode root = SettingsReader.strict().parse("", text, SettingsReader.Format.YAML);
    if (!root.isMap()) {
      throw new ConfigException("expected a map with apiVersion and kind");
    }
    return root;
  }

  private PickerConfig decode(SettingsNode root) {
    root.keys(ROOT_KEYS);
    String apiVersion = root.get("apiVersion").isText() && root.get("apiVersion").asString().equals(ROUTER_API_VERSION)
        ? ROUTER_API_VERSION : API_VERSION;
    requireText(root, "apiVersion", apiVersion);
    requireText(root, "kind", KIND);
    List<String> gates = new ArrayList<>();
    for (SettingsNode g : root.get("featureGates").elements()) {
      gates.add(g.asString());
    }

    // plugins
    Map<String, Plugin> byName = new LinkedHashMap<>();
    Map<String, String> pathOf = new HashMap<>();
    for (SettingsNode entry : root.get("plugins").elements()) {
      String path = entry.path();
      entry.requireMap("a map with type").keys(PLUGIN_KEYS);
      String type = text(entry, "type", true);
      String name = text(entry, "name", false);
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
      byName.put(name, create(factory, name, Parameters.of(path + ".parameters", entry.get("parameters").raw())));
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
    List<SettingsNode> profileList = root.get("schedulingProfiles").elements();
    if (profileList.isEmpty()) {
      profiles.add(implicitProfile(all, pathOf));
    }
    Set<String> profileNames = new HashSet<>();
    for (SettingsNode entry : profileList) {
      String path = entry.path();
      entry.requireMap("a map with name and plugins").keys(PROFILE_KEYS);
      String name = text(entry, "name", true);
      if (!profileNames.add(name)) {
        throw ConfigException.at(path + ".name", "duplicate profile name \"" + name + "\"");
      }
      profiles.add(profile(name, path, entry.get("plugins").elements(), byName, all));
    }
    List<String> names = new ArrayList<>();
    profiles.forEach(p -> names.add(p.name()));
    String problem = handler.checkProfiles(names);
    if (problem != null) {
      throw ConfigException.at("schedulingProfiles", problem + " (profile handler " + handler.typedName() + ")");
    }
    // After the profiles: a detector created here must not become a filter of the implicit profile.
    SaturationDetector detector = saturationDetector(root.get("saturationDetector"), byName, all);
    return new PickerConfig(all, handler, profiles, metrics == null ? null : metrics.engines(), gates, detector,
        apiVersion, root.get("flowControl"));
  }

  /**
   * The reference's two shapes: {@code {pluginRef: NAME}} naming a detector plugin, or the older
   * thresholds ({@code queueDepthThreshold}, {@code kvCacheUtilThreshold}, {@code
   * metricsStalenessThreshold}) for a utilization-detector; not both. Without the section, the
   * plugin named {@code utilization-detector} if there is one, else a default one.
   */
  private SaturationDetector saturationDetector(SettingsNode section, Map<String, Plugin> byName, List<Plugin> all) {
    String path = "saturationDetector";
    if (section.isMissing()) {
      if (byName.get(DEFAULT_SATURATION_DETECTOR_TYPE) instanceof SaturationDetector d) {
        return d;
      }
      return (SaturationDetector) createDefault(DEFAULT_SATURATION_DETECTOR_TYPE, all);
    }
    section.requireMap("a map with pluginRef").keys(DETECTOR_KEYS);
    String ref = text(section, "pluginRef", false);
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
    Plugin p = create(factory, DEFAULT_SATURATION_DETECTOR_TYPE, Parameters.of(path, section.raw()));
    all.add(p);
    return (SaturationDetector) p;
  }

  private ProfileSpec profile(String name, String path, List<SettingsNode> refs, Map<String, Plugin> byName,
      List<Plugin> all) {
    List<Filter> filters = new ArrayList<>();
    List<WeightedScorer> scorers = new ArrayList<>();
    Picker picker = null;
    Set<String> seen = new HashSet<>();
    for (SettingsNode ref : refs) {
      String rp = ref.path();
      ref.requireMap("a map with pluginRef").keys(REF_KEYS);
      String pluginRef = text(ref, "pluginRef", true);
      Plugin plugin = byName.get(pluginRef);
      if (plugin == null) {
        throw ConfigException.at(rp + ".pluginRef", "\"" + pluginRef + "\" names no plugin in plugins"
            + (byName.isEmpty() ? " (there are none)" : " (known: " + String.join(", ", byName.keySet()) + ")"));
      }
      if (!seen.add(pluginRef)) {
        throw ConfigException.at(rp + ".pluginRef", "\"" + pluginRef + "\" is referenced twice in profile " + name);
      }
      double weight = weight(ref);
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

  private static double weight(SettingsNode ref) {
    SettingsNode w = ref.get("weight");
    if (w.isMissing()) {
      return 1;
    }
    if (!w.raw().isNumber()) {
      throw w.fail(w.describe() + " (expected: a number >= 0)");
    }
    double d = w.raw().doubleValue();
    if (!(d >= 0) || Double.isInfinite(d)) {
      throw w.fail(w.raw().asText() + " (expected: >= 0)");
    }
    return d;
  }

  private static void requireText(SettingsNode node, String key, String expected) {
    SettingsNode v = node.get(key);
    if (v.isMissing()) {
      throw v.fail("missing (expected: " + expected + ")");
    }
    if (!v.isText() || !v.raw().textValue().equals(expected)) {
      throw v.fail(v.describe() + " (expected: " + expected + ")");
    }
  }

  private static String text(SettingsNode node, String key, boolean required) {
    if (required) {
      return node.requiredString(key);
    }
    SettingsNode v = node.get(key);
    if (v.isMissing()) {
      return null;
    }
    return node.requiredString(key);
  }
}
