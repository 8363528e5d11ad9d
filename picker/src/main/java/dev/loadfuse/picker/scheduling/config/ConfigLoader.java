package dev.loadfuse.picker.scheduling.config;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsReader;
import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.plugins.datalayer.source.MetricsDataSource;
import dev.loadfuse.picker.plugins.filter.prefixaffinity.PrefixCacheAffinityFilter;
import dev.loadfuse.picker.plugins.producer.ApproxPrefixCacheProducer;
import dev.loadfuse.picker.plugins.scorer.prefix.PrefixCacheScorer;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.Picker;
import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.ProfileHandler;
import dev.loadfuse.picker.scheduling.ProfileSpec;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.WeightedScorer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Reads an EndpointPickerConfig in either reference's format, chosen by {@code apiVersion} ({@link
 * ConfigFlavor}): GIE v1.5 ({@code inference.networking.x-k8s.io/v1alpha1}) or the llm-d router
 * v0.10 ({@code llm-d.ai/v1alpha1}).
 *
 * <pre>{@code
 * apiVersion: inference.networking.x-k8s.io/v1alpha1   # or llm-d.ai/v1alpha1
 * kind: EndpointPickerConfig
 * featureGates: [flowControl]            # GIE: dataLayer, enableLegacyMetrics, flowControl;
 *                                        # router: flowControl[=bool], haPopulateNonLeaderDatastore[=bool]
 * plugins:
 * - type: queue-scorer                   # name defaults to the type
 * - {name: picker, type: max-score-picker, parameters: {maxNumOfEndpoints: 2}}
 * - {type: metrics-data-source, parameters: {path: /metrics}}
 * - type: core-metrics-extractor         # engine metric mappings
 * schedulingProfiles:
 * - name: default
 *   plugins:
 *   - {pluginRef: queue-scorer, weight: 2}   # a scorer without weight gets 1
 *   - {pluginRef: picker}
 * saturationDetector: {pluginRef: utilization-detector}   # router: flowControl.saturationDetector
 * dataLayer:
 *   sources: [{pluginRef: metrics-data-source, extractors: [{pluginRef: core-metrics-extractor}]}]
 * parser: {pluginRef: openai-parser}     # router: requestHandler: {parsers: [{pluginRef: ...}]}
 * flowControl: {maxBytes: 1Gi, priorityBands: [{priority: 100, orderingPolicyRef: fcfs-ordering-policy}]}
 * }</pre>
 *
 * <p>Strict where the reference is strict: unknown sections and keys outside plugin parameters
 * ({@code picker.yaml: plugins[0]: unknown key "wieght" (known: name, type, parameters)}), duplicate
 * keys, unknown plugin types (the message lists the known ones), plugin types of the reference that
 * loadfuse does not implement (P/D disaggregation, the latency predictor, ...: refused saying so), a
 * missing or dangling reference, duplicate names, two pickers in one profile, unknown feature gates.
 * Every message starts with the source and names the path, e.g. {@code picker.yaml:
 * schedulingProfiles[0].plugins[2].weight: -1 (expected: >= 0)}.
 *
 * <p>Lenient where the reference is lenient, with a warning in {@link PickerConfig#warnings()}
 * (logged once each): unknown plugin parameter keys, deprecated parameter names ({@code blockSize},
 * {@code maxPrefixTokensToMatch}), {@code maxNumOfEndpoints <= 0} (means 1), the same plugin referenced
 * twice in a profile (a scorer then counts twice, as in the reference), a detector or parser reference
 * naming an undeclared default type (created with defaults), the router's deprecated sections and
 * type aliases.
 *
 * <p>Defaults, as in the reference: a profile without a picker gets a {@code max-score-picker}; a
 * config without a profile handler gets {@code single-profile-handler}; a config without {@code
 * schedulingProfiles} gets one profile {@code default} with every filter, scorer and picker in plugin
 * order; without a data layer (GIE: no {@code dataLayer} section; router: none that names {@code
 * metrics-data-source}, unless {@code injectDefaults: false}) a {@code metrics-data-source} with a
 * {@code core-metrics-extractor}; without a parser, {@code openai-parser}. An empty text (a
 * zero-length file) gives {@link #DEFAULT_CONFIG_TEXT}, as no config at all does.
 *
 * <p>Thread-safe once the registry is filled.
 */
public final class ConfigLoader {

  private static final Logger LOG = Logger.getLogger(ConfigLoader.class.getName());

  public static final String API_VERSION = ConfigFlavor.GIE.apiVersion();
  /** The llm-d router's apiVersion: the same document, with the router's semantics where they differ. */
  public static final String ROUTER_API_VERSION = ConfigFlavor.ROUTER.apiVersion();
  public static final String KIND = "EndpointPickerConfig";
  public static final String DEFAULT_PICKER_TYPE = "max-score-picker";
  public static final String DEFAULT_PROFILE_HANDLER_TYPE = "single-profile-handler";
  public static final String DEFAULT_PROFILE_NAME = "default";
  public static final String DEFAULT_PARSER_TYPE = "openai-parser";
  public static final String DEFAULT_METRICS_SOURCE_TYPE = "metrics-data-source";
  public static final String DEFAULT_METRICS_EXTRACTOR_TYPE = "core-metrics-extractor";
  /** The saturation detector used when the config names none (and the name it is looked up by). */
  public static final String DEFAULT_SATURATION_DETECTOR_TYPE = "utilization-detector";
  private static final List<String> DEFAULT_POLICIES = List.of("fcfs-ordering-policy",
      "global-strict-fairness-policy", "static-usage-limit-policy");

  /**
   * The config used when none is given, the reference's built-in default (GIE v1.5 and the router
   * alike): queue and KV-cache scorers (weight 2 each), prefix-cache scorer (weight 3), max score,
   * the model servers' metrics scraped with the built-in engine mappings.
   */
  public static final String DEFAULT_CONFIG_TEXT = """
      apiVersion: inference.networking.x-k8s.io/v1alpha1
      kind: EndpointPickerConfig
      featureGates: []
      plugins:
      - type: queue-scorer
      - type: kv-cache-utilization-scorer
      - type: prefix-cache-scorer
      - type: metrics-data-source
      - type: core-metrics-extractor
      schedulingProfiles:
      - name: default
        plugins:
        - pluginRef: queue-scorer
          weight: 2
        - pluginRef: kv-cache-utilization-scorer
          weight: 2
        - pluginRef: prefix-cache-scorer
          weight: 3
      dataLayer:
        sources:
        - pluginRef: metrics-data-source
          extractors:
          - pluginRef: core-metrics-extractor
      """;

  private static final List<String> DETECTOR_KEYS =
      List.of("pluginRef", "queueDepthThreshold", "kvCacheUtilThreshold", "metricsStalenessThreshold");
  private static final List<String> PLUGIN_KEYS = List.of("name", "type", "parameters");
  private static final List<String> PROFILE_KEYS = List.of("name", "plugins");
  private static final List<String> REF_KEYS = List.of("pluginRef", "weight");
  private static final List<String> DATA_LAYER_KEYS_GIE = List.of("sources");
  private static final List<String> DATA_LAYER_KEYS_ROUTER =
      List.of("sources", "injectDefaults", "discovery", "crossReplicaSyncerPluginRef", "crossReplicaSyncInterval");
  /** The router's deprecated type names, each still loading as the type it names. */
  private static final Map<String, String> ROUTER_DEPRECATED_TYPES =
      Map.of("by-label", "label-selector-filter", "by-label-selector", "label-selector-filter");

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
    if (text != null && text.isEmpty()) {
      return load(DEFAULT_CONFIG_TEXT, source + " (empty: the built-in default)");
    }
    PickerConfig config;
    try {
      config = new Decoding(parse(text)).decode();
    } catch (ConfigException | SettingsException e) {
      throw new ConfigException(source + ": " + e.getMessage(), e.getCause());
    }
    for (String w : config.warnings()) {
      LOG.warning(source + ": " + w);
    }
    return config;
  }

  private static SettingsNode parse(String text) {
    String blank = "no apiVersion and kind (only blanks or comments; an empty file gives the default)";
    if (text == null || text.isBlank()) {
      throw new ConfigException(blank);
    }
    // The source is added by load(), to these messages and to the decoder's alike.
    SettingsNode root = SettingsReader.strict().parse("", text, SettingsReader.Format.YAML);
    if (root.isMissing() || root.raw().isNull()) {
      throw new ConfigException(blank);
    }
    if (!root.isMap()) {
      throw new ConfigException("expected a map with apiVersion and kind");
    }
    return root;
  }

  /** One decoding: the state built while reading a config. */
  private final class Decoding {

    private final SettingsNode root;
    private final Map<String, Plugin> byName = new LinkedHashMap<>();
    private final Map<String, String> pathOf = new HashMap<>();
    private final List<Plugin> all = new ArrayList<>();
    private final List<String> warnings = new ArrayList<>();
    private ConfigFlavor flavor;

    Decoding(SettingsNode root) {
      this.root = root;
    }

    PickerConfig decode() {
      SettingsNode apiVersion = root.get("apiVersion");
      if (apiVersion.isMissing()) {
        throw apiVersion.fail("missing (expected: " + ConfigFlavor.GIE.apiVersion() + " or "
            + ConfigFlavor.ROUTER.apiVersion() + ")");
      }
      flavor = apiVersion.isText() ? ConfigFlavor.of(apiVersion.raw().textValue()) : null;
      if (flavor == null) {
        throw apiVersion.fail(apiVersion.describe() + " (expected: " + ConfigFlavor.GIE.apiVersion() + " or "
            + ConfigFlavor.ROUTER.apiVersion() + ")");
      }
      root.keys(flavor.rootKeys());
      requireText(root, "kind", KIND);
      List<String> gates = featureGates(root.get("featureGates"));

      plugins();
      ProfileHandler handler = null;
      for (Plugin p : all) {
        if (p instanceof ProfileHandler h) {
          if (handler != null) {
            throw ConfigException.at(pathOf.get(p.typedName().name()),
                "a second profile handler (" + p.typedName() + "; already " + handler.typedName() + ")");
          }
          handler = h;
        }
      }
      if (handler == null) {
        handler = (ProfileHandler) createDefault(DEFAULT_PROFILE_HANDLER_TYPE);
      }

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
        profiles.add(profile(name, path, entry.get("plugins").elements(), byName, all, warnings));
      }
      List<String> names = new ArrayList<>();
      profiles.forEach(p -> names.add(p.name()));
      String problem = handler.checkProfiles(names);
      if (problem != null) {
        throw ConfigException.at("schedulingProfiles", problem + " (profile handler " + handler.typedName() + ")");
      }

      // After the profiles: plugins created from here on must not join the implicit profile.
      SettingsNode detectorSection = root.get("saturationDetector");
      SettingsNode flowControl = root.get("flowControl");
      if (flavor == ConfigFlavor.ROUTER && !detectorSection.isMissing()) {
        if (flowControl.isMap() && flowControl.has("saturationDetector")) {
          warnings.add("saturationDetector: deprecated and ignored because flowControl.saturationDetector is set");
          detectorSection = flowControl.get("saturationDetector");
        } else {
          warnings.add("saturationDetector: deprecated (use flowControl.saturationDetector)");
        }
      } else if (flavor == ConfigFlavor.ROUTER && flowControl.isMap()) {
        detectorSection = flowControl.get("saturationDetector");
      }
      SaturationDetector detector = saturationDetector(detectorSection);
      List<ParserPlugin> parsers = parsers();
      DataLayerSpec dataLayer = dataLayer(gates);
      // The flowControl section is read by the flow-control layer (FlowControlSettings) when its
      // feature gate is on; without the gate the reference ignores it.
      return new PickerConfig(flavor, all, handler, profiles, gates, detector, parsers, dataLayer, flowControl,
          warnings);
    }

    private List<String> featureGates(SettingsNode list) {
      List<String> on = new ArrayList<>();
      for (SettingsNode g : list.elements()) {
        String written = g.asString();
        String name = written;
        boolean enabled = true;
        int eq = written.indexOf('=');
        if (flavor == ConfigFlavor.ROUTER && eq >= 0) {
          name = written.substring(0, eq).trim();
          String v = written.substring(eq + 1).trim().toLowerCase(Locale.ROOT);
          enabled = switch (v) {
            case "true", "t", "1" -> true;
            case "false", "f", "0" -> false;
            default -> throw g.fail("\"" + written + "\" (expected: NAME, NAME=true or NAME=false)");
          };
        }
        if (!flavor.featureGates().contains(name)) {
          throw g.fail("unknown feature gate \"" + name + "\" (known: " + String.join(", ", flavor.featureGates()) + ")");
        }
        if (name.equals("dataLayer")) {
          warnings.add(g.path() + ": the dataLayer gate is no longer needed (the data layer is always on)");
        }
        on.remove(name);
        if (enabled) {
          on.add(name);
        }
      }
      return on;
    }

    private void plugins() {
      ApproxPrefixCacheProducer producer = null;
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
          String refusal = ReferenceOnlyTypes.refusal(type);
          throw ConfigException.at(path + ".type", refusal != null ? refusal
              : "unknown plugin type \"" + type + "\" (known: " + String.join(", ", registry.types()) + ")");
        }
        if (flavor == ConfigFlavor.ROUTER && ROUTER_DEPRECATED_TYPES.containsKey(type)) {
          warnings.add(path + ".type: " + type + " is deprecated (use " + ROUTER_DEPRECATED_TYPES.get(type) + ")");
        }
        Plugin p = create(factory, name, Parameters.of(path + ".parameters", entry.get("parameters").raw()).in(flavor));
        byName.put(name, p);
        pathOf.put(name, path);
        all.add(p);
        if (p instanceof ApproxPrefixCacheProducer a && producer == null) {
          producer = a;
        }
      }
      if (producer != null) {
        // The reference's scorer reads the producer's index: its settings are the index's.
        for (int i = 0; i < all.size(); i++) {
          if (all.get(i) instanceof PrefixCacheScorer s) {
            PrefixCacheScorer configured = new PrefixCacheScorer(s.typedName().name(), producer.settings());
            all.set(i, configured);
            byName.put(s.typedName().name(), configured);
          }
        }
      }
      handPrefixIndex();
    }

    /** Each prefix-cache-affinity-filter reads the index of the first prefix-cache-scorer declared. */
    private void handPrefixIndex() {
      PrefixCacheScorer scorer = null;
      for (Plugin p : all) {
        if (p instanceof PrefixCacheScorer s) {
          scorer = s;
          break;
        }
      }
      for (int i = 0; i < all.size(); i++) {
        if (all.get(i) instanceof PrefixCacheAffinityFilter f) {
          String name = f.typedName().name();
          if (scorer == null) {
            warnings.add(pathOf.get(name) + ": no prefix-cache-scorer in plugins, so no prefix index to read;"
                + " the filter keeps every endpoint");
            continue;
          }
          PrefixCacheAffinityFilter wired = f.withIndexOf(scorer);
          all.set(i, wired);
          byName.put(name, wired);
        }
      }
    }

    private Plugin create(PluginFactory factory, String name, Parameters parameters) {
      return ConfigLoader.create(factory, name, parameters, warnings);
    }

    private Plugin createDefault(String type) {
      PluginFactory factory = registry.factory(type);
      if (factory == null) {
        throw new IllegalStateException("the registry lacks the default plugin type " + type);
      }
      Plugin p = create(factory, type, Parameters.none("(default " + type + ").parameters"));
      all.add(p);
      return p;
    }

    /** The plugin named {@code ref}; when undeclared and {@code ref} is a default type, a new one of that type. */
    private Plugin declaredOrDefault(String ref, String path, List<String> defaultTypes) {
      Plugin p = byName.get(ref);
      if (p != null) {
        return p;
      }
      if (defaultTypes.contains(ref)) {
        p = createDefault(ref);
        byName.put(ref, p);
        return p;
      }
      throw ConfigException.at(path, "\"" + ref + "\" names no plugin in plugins"
          + (pathOf.isEmpty() ? " (there are none)" : " (known: " + String.join(", ", pathOf.keySet()) + ")"));
    }

    /**
     * The reference's two shapes: {@code {pluginRef: NAME}} naming a detector plugin (an undeclared
     * {@code utilization-detector} is created with defaults), or the older thresholds ({@code
     * queueDepthThreshold}, {@code kvCacheUtilThreshold}, {@code metricsStalenessThreshold}) for a
     * utilization-detector; not both. Without the section, the plugin named {@code
     * utilization-detector} if there is one, else a default one.
     */
    private SaturationDetector saturationDetector(SettingsNode section) {
      String path = section.path();
      if (section.isMissing()) {
        if (byName.get(DEFAULT_SATURATION_DETECTOR_TYPE) instanceof SaturationDetector d) {
          return d;
        }
        return (SaturationDetector) createDefault(DEFAULT_SATURATION_DETECTOR_TYPE);
      }
      section.requireMap("a map with pluginRef").keys(DETECTOR_KEYS);
      String ref = text(section, "pluginRef", false);
      if (ref != null) {
        if (section.size() > 1) {
          throw ConfigException.at(path, "pluginRef and the threshold fields are mutually exclusive"
              + " (put the thresholds in the parameters of the plugin pluginRef names)");
        }
        Plugin p = declaredOrDefault(ref, path + ".pluginRef", List.of(DEFAULT_SATURATION_DETECTOR_TYPE));
        if (!(p instanceof SaturationDetector d)) {
          throw ConfigException.at(path + ".pluginRef", "\"" + ref + "\" is a " + p.typedName().type()
              + " plugin, which is not a saturation detector");
        }
        return d;
      }
      PluginFactory factory = registry.factory(DEFAULT_SATURATION_DETECTOR_TYPE);
      Plugin p = create(factory, DEFAULT_SATURATION_DETECTOR_TYPE, Parameters.of(path, section.raw()));
      all.add(p);
      return (SaturationDetector) p;
    }

    /** GIE: {@code parser: {pluginRef}}; router: {@code requestHandler: {parsers: [{pluginRef}]}} (top-level {@code parser} deprecated). */
    private List<ParserPlugin> parsers() {
      List<SettingsNode> refs = new ArrayList<>();
      SettingsNode parser = root.get("parser");
      SettingsNode handler = root.get("requestHandler");
      if (!handler.isMissing()) {
        handler.requireMap("a map with parsers").keys("parsers");
        for (SettingsNode r : handler.get("parsers").elements()) {
          refs.add(r);
        }
      }
      if (!parser.isMissing()) {
        if (flavor == ConfigFlavor.ROUTER) {
          warnings.add("parser: deprecated (use requestHandler.parsers)" + (refs.isEmpty() ? "" : "; ignored because"
              + " requestHandler.parsers is set"));
        }
        if (refs.isEmpty()) {
          refs.add(parser);
        }
      }
      List<ParserPlugin> out = new ArrayList<>();
      for (SettingsNode r : refs) {
        r.requireMap("a map with pluginRef").keys("pluginRef");
        String ref = r.requiredString("pluginRef");
        String path = r.path() + ".pluginRef";
        Plugin p = byName.get(ref);
        if (p == null && flavor == ConfigFlavor.ROUTER) {
          // The router instantiates an undeclared reference as a plugin of that type.
          PluginFactory factory = registry.factory(ref);
          if (factory == null) {
            String refusal = ReferenceOnlyTypes.refusal(ref);
            throw ConfigException.at(path, refusal != null ? refusal : "\"" + ref + "\" names no plugin in plugins"
                + " and no plugin type (known: " + String.join(", ", registry.types()) + ")");
          }
          p = create(factory, ref, Parameters.none("(" + ref + ").parameters"));
          all.add(p);
          byName.put(ref, p);
        }
        if (p == null) {
          p = declaredOrDefault(ref, path, List.of(DEFAULT_PARSER_TYPE));
        }
        if (!(p instanceof ParserPlugin pp)) {
          throw ConfigException.at(path, "\"" + ref + "\" is a " + p.typedName().type() + " plugin, which is not a parser");
        }
        out.add(pp);
      }
      if (out.isEmpty()) {
        out.add((ParserPlugin) (byName.get(DEFAULT_PARSER_TYPE) instanceof ParserPlugin pp ? pp
            : createDefault(DEFAULT_PARSER_TYPE)));
      }
      return out;
    }

    private DataLayerSpec dataLayer(List<String> gates) {
      SettingsNode section = root.get("dataLayer");
      boolean legacy = gates.contains("enableLegacyMetrics");
      List<DataLayerSpec.Source> sources = new ArrayList<>();
      boolean inject = true;
      if (!section.isMissing()) {
        section.requireMap("a map with sources");
        section.keys(flavor == ConfigFlavor.ROUTER ? DATA_LAYER_KEYS_ROUTER : DATA_LAYER_KEYS_GIE);
        for (String unsupported : List.of("discovery", "crossReplicaSyncerPluginRef", "crossReplicaSyncInterval")) {
          if (section.has(unsupported)) {
            throw ConfigException.at(section.path() + "." + unsupported, "not supported: loadfuse discovers endpoints"
                + " with --pool-name/--endpoint-selector or an endpoints file and shares state over its own cluster bus");
          }
        }
        for (SettingsNode s : section.get("sources").elements()) {
          s.requireMap("a map with pluginRef").keys("pluginRef", "extractors");
          String ref = s.requiredString("pluginRef");
          Plugin p = declared(ref, s.path() + ".pluginRef");
          if (!(p instanceof DataSourcePlugin source)) {
            throw ConfigException.at(s.path() + ".pluginRef", "\"" + ref + "\" is a " + p.typedName().type()
                + " plugin, which is not a data source");
          }
          List<DataExtractorPlugin> extractors = new ArrayList<>();
          for (SettingsNode e : s.get("extractors").elements()) {
            e.requireMap("a map with pluginRef").keys("pluginRef");
            String eref = e.requiredString("pluginRef");
            Plugin ep = declared(eref, e.path() + ".pluginRef");
            if (!(ep instanceof DataExtractorPlugin x)) {
              throw ConfigException.at(e.path() + ".pluginRef", "\"" + eref + "\" is a " + ep.typedName().type()
                  + " plugin, which is not a data extractor");
            }
            extractors.add(x);
          }
          sources.add(new DataLayerSpec.Source(source, extractors));
        }
        inject = flavor == ConfigFlavor.ROUTER && section.bool("injectDefaults", true)
            && sources.stream().noneMatch(s -> s.source().typedName().name().equals(DEFAULT_METRICS_SOURCE_TYPE));
        if (legacy) {
          warnings.add(section.path() + ": ignored because the enableLegacyMetrics gate is on");
        }
      }
      if (legacy) {
        sources.clear();
        inject = true;
      }
      if (inject) {
        sources.add(defaultMetricsSource());
      }
      if (sources.stream().noneMatch(s -> s.source() instanceof MetricsDataSource)) {
        // The reference then collects no metrics; loadfuse's in-process sidecar cannot be told not to.
        warnings.add("dataLayer: no metrics-data-source with an extractor; loadfuse still scrapes each endpoint's"
            + " metrics page with the built-in engine mappings (the data layer cannot be switched off)");
      }
      return new DataLayerSpec(sources);
    }

    /** {@code metrics-data-source} with {@code core-metrics-extractor} (or the one engine-metrics plugin declared). */
    private DataLayerSpec.Source defaultMetricsSource() {
      Plugin source = byName.get(DEFAULT_METRICS_SOURCE_TYPE);
      if (!(source instanceof DataSourcePlugin)) {
        source = createDefault(DEFAULT_METRICS_SOURCE_TYPE);
        byName.put(DEFAULT_METRICS_SOURCE_TYPE, source);
      }
      Plugin extractor = byName.get(DEFAULT_METRICS_EXTRACTOR_TYPE);
      if (!(extractor instanceof DataExtractorPlugin)) {
        List<Plugin> declared = all.stream().filter(EngineMetricsPlugin.class::isInstance).toList();
        extractor = declared.size() == 1 ? declared.get(0) : createDefault(DEFAULT_METRICS_EXTRACTOR_TYPE);
      }
      return new DataLayerSpec.Source((DataSourcePlugin) source, List.of((DataExtractorPlugin) extractor));
    }

    private Plugin declared(String ref, String path) {
      return declaredOrDefault(ref, path, List.of());
    }

  }


  private ProfileSpec profile(String name, String path, List<SettingsNode> refs, Map<String, Plugin> byName,
      List<Plugin> all, List<String> warnings) {
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
      if (!seen.add(pluginRef) && !(plugin instanceof Picker)) {
        // The reference adds it again: a scorer then counts twice.
        warnings.add(rp + ".pluginRef: \"" + pluginRef + "\" is referenced twice in profile " + name
            + (plugin instanceof Scorer ? "; its score counts twice" : ""));
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
    Plugin p = create(factory, type, Parameters.none("(default " + type + ").parameters"), new ArrayList<>());
    all.add(p);
    return p;
  }

  private static Plugin create(PluginFactory factory, String name, Parameters parameters, List<String> warnings) {
    Plugin p;
    try {
      p = factory.create(name, parameters);
    } catch (ConfigException e) {
      throw e;
    } catch (IllegalArgumentException e) {
      throw ConfigException.at(parameters.path(), e.getMessage());
    }
    warnings.addAll(parameters.finish());
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
