package dev.loadfuse.engine.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsReader;
import dev.loadfuse.engine.spec.InvalidMetricSpecException;
import dev.loadfuse.engine.spec.MetricSpec;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiConsumer;

/**
 * Reads {@link ModelServerMetricsConfig} from the plugin's {@code parameters} (YAML, JSON or an
 * already-parsed map) or from an EndpointPickerConfig file.
 *
 * <p>The parameters are decoded strictly (the settings reader, {@link SettingsReader}): an unknown
 * key ({@code engineConfigs[0]: unknown key "kvSpec" (known: name, ...)}), a duplicate key, a
 * value of the wrong type or an invalid metric spec is an {@link EngineConfigException} naming the
 * path, e.g. {@code
 * engineConfigs[0].kvUsageSpec: invalid metric spec "vllm:x{a=" at position 9: unterminated label
 * matcher}. A null value means "not set" (an empty spec, i.e. disabled, for spec fields).
 *
 * <p>In an EndpointPickerConfig only {@code apiVersion}, {@code kind} and the metrics plugin (type
 * {@value #PLUGIN_TYPE} or {@value #PLUGIN_TYPE_LLM_D}) are checked; scorers, profiles and other
 * sections belong to the picker and are left alone. A file without a metrics plugin yields the
 * built-in defaults. Errors start with the file name.
 *
 * <p>Stateless and thread-safe.
 */
public final class EngineConfigLoader {
  private EngineConfigLoader() {}

  public static final String EPC_API_VERSION = "inference.networking.x-k8s.io/v1alpha1";
  /** The llm-d router's apiVersion for the same document. */
  public static final String EPC_API_VERSION_LLM_D = "llm-d.ai/v1alpha1";
  public static final String EPC_KIND = "EndpointPickerConfig";
  public static final String PLUGIN_TYPE = "model-server-protocol-metrics";
  public static final String PLUGIN_TYPE_LLM_D = "core-metrics-extractor";

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static final String LEGACY_QUEUED = "total-queued-requests-metric";
  private static final String LEGACY_KV = "kv-cache-usage-percentage-metric";
  private static final String LEGACY_LORA = "lora-info-metric";

  private static final List<String> PARAMETER_KEYS =
      List.of("engineLabelKey", "defaultEngine", "engineConfigs", LEGACY_QUEUED, LEGACY_KV,
          LEGACY_LORA);

  private static final Map<String, BiConsumer<EngineConfig.Builder, Optional<MetricSpec>>> SPEC_FIELDS =
      Map.ofEntries(
          Map.entry("queuedRequestsSpec", EngineConfig.Builder::queuedRequestsSpec),
          Map.entry("runningRequestsSpec", EngineConfig.Builder::runningRequestsSpec),
          Map.entry("kvUsageSpec", EngineConfig.Builder::kvUsageSpec),
          Map.entry("loraSpec", EngineConfig.Builder::loraSpec),
          Map.entry("cacheInfoSpec", EngineConfig.Builder::cacheInfoSpec),
          Map.entry("cacheBlockSizeSpec", EngineConfig.Builder::cacheBlockSizeSpec),
          Map.entry("cacheNumBlocksSpec", EngineConfig.Builder::cacheNumBlocksSpec),
          Map.entry("queuedRequestsFallbackSpec", EngineConfig.Builder::queuedRequestsFallbackSpec),
          Map.entry(
              "runningRequestsFallbackSpec", EngineConfig.Builder::runningRequestsFallbackSpec),
          Map.entry("kvUsageFallbackSpec", EngineConfig.Builder::kvUsageFallbackSpec),
          Map.entry("kvUsedBlocksSpec", EngineConfig.Builder::kvUsedBlocksSpec),
          Map.entry("kvTotalBlocksSpec", EngineConfig.Builder::kvTotalBlocksSpec));

  private static final List<String> ENGINE_KEYS =
      List.of(
          "name",
          "queuedRequestsSpec",
          "runningRequestsSpec",
          "kvUsageSpec",
          "loraSpec",
          "cacheInfoSpec",
          "cacheBlockSizeLabelName",
          "cacheNumBlocksLabelName",
          "cacheBlockSizeSpec",
          "cacheNumBlocksSpec",
          "queuedRequestsFallbackSpec",
          "runningRequestsFallbackSpec",
          "kvUsageFallbackSpec",
          "kvUsedBlocksSpec",
          "kvTotalBlocksSpec");

  /** Decodes the plugin parameters from a parsed map (e.g. a YAML document already loaded). */
  public static ModelServerMetricsConfig fromParameters(Map<String, ?> parameters) {
    return fromParametersNode(YAML.valueToTree(parameters), "");
  }

  /**
   * Decodes the plugin parameters from a parsed tree found at {@code path} of a larger document
   * (e.g. the {@code engines} section of the sidecar's settings); errors name {@code path}.
   */
  public static ModelServerMetricsConfig fromParameters(JsonNode parameters, String path) {
    return fromParametersNode(parameters, path);
  }

  /** Decodes the plugin parameters from YAML or JSON text. */
  public static ModelServerMetricsConfig fromParametersText(String yamlOrJson) {
    return fromParametersNode(readTree(yamlOrJson), "");
  }

  /** The largest EndpointPickerConfig file read (the picker's own limit, {@code PickerOptions}). */
  public static final long MAX_ENDPOINT_PICKER_CONFIG_BYTES = 4 << 20;

  /**
   * Reads the metrics plugin's parameters from an EndpointPickerConfig file.
   *
   * @throws EngineConfigException starting with the file name, also when it cannot be read
   */
  public static ModelServerMetricsConfig fromEndpointPickerConfig(Path file) {
    String text;
    try {
      text = SettingsReader.strict().limit(MAX_ENDPOINT_PICKER_CONFIG_BYTES, "an EndpointPickerConfig").readText(file);
    } catch (SettingsException e) {
      throw new EngineConfigException(e.getMessage(), e);
    }
    return fromEndpointPickerConfigText(text, file.toString());
  }

  /** {@link #fromEndpointPickerConfig(Path)} of text; {@code source} names it in errors. */
  public static ModelServerMetricsConfig fromEndpointPickerConfigText(String text, String source) {
    try {
      return decodeEndpointPickerConfig(readTree(text));
    } catch (EngineConfigException e) {
      throw e.withContext(source);
    }
  }

  private static ModelServerMetricsConfig decodeEndpointPickerConfig(JsonNode root) {
    if (!root.isObject()) {
      throw new EngineConfigException(
          "expected a mapping with apiVersion and kind, got " + describe(root));
    }
    String apiVersion = string(root.get("apiVersion"), "apiVersion");
    if (!EPC_API_VERSION.equals(apiVersion) && !EPC_API_VERSION_LLM_D.equals(apiVersion)) {
      throw new EngineConfigException(
          "apiVersion: " + quoteOrMissing(apiVersion) + " (expected: \"" + EPC_API_VERSION
              + "\" or \"" + EPC_API_VERSION_LLM_D + "\")");
    }
    String kind = string(root.get("kind"), "kind");
    if (!EPC_KIND.equals(kind)) {
      throw new EngineConfigException(
          "kind: " + quoteOrMissing(kind) + " (expected: \"" + EPC_KIND + "\")");
    }
    JsonNode plugins = root.get("plugins");
    if (plugins == null || plugins.isNull()) {
      return ModelServerMetricsConfig.defaults();
    }
    if (!plugins.isArray()) {
      throw new EngineConfigException("plugins: expected a list, got " + describe(plugins));
    }
    String foundPath = null;
    JsonNode found = null;
    for (int i = 0; i < plugins.size(); i++) {
      String path = "plugins[" + i + "]";
      JsonNode p = plugins.get(i);
      if (!p.isObject()) {
        throw new EngineConfigException(path + ": expected a mapping, got " + describe(p));
      }
      String type = string(p.get("type"), path + ".type");
      if (PLUGIN_TYPE.equals(type) || PLUGIN_TYPE_LLM_D.equals(type)) {
        if (found != null) {
          throw new EngineConfigException(
              path + ".type: a second metrics plugin (the first is " + foundPath + ")");
        }
        found = p;
        foundPath = path;
      }
    }
    if (found == null) {
      return ModelServerMetricsConfig.defaults();
    }
    return fromParametersNode(found.path("parameters"), foundPath + ".parameters");
  }

  static ModelServerMetricsConfig fromParametersNode(JsonNode params, String path) {
    ModelServerMetricsConfig.Builder b = ModelServerMetricsConfig.builder();
    if (params.isMissingNode() || params.isNull()) {
      return b.build();
    }
    if (!params.isObject()) {
      throw new EngineConfigException(
          (path.isEmpty() ? "parameters" : path) + ": expected a mapping, got "
              + describe(params));
    }
    checkKeys(params, path, PARAMETER_KEYS);
    b.engineLabelKey(string(params.get("engineLabelKey"), at(path, "engineLabelKey")));
    b.defaultEngine(string(params.get("defaultEngine"), at(path, "defaultEngine")));
    JsonNode list = params.get("engineConfigs");
    if (list != null && !list.isNull()) {
      String listPath = at(path, "engineConfigs");
      if (!list.isArray()) {
        throw new EngineConfigException(listPath + ": expected a list, got " + describe(list));
      }
      for (int i = 0; i < list.size(); i++) {
        b.addEngineConfig(engineConfig(list.get(i), listPath + "[" + i + "]"));
      }
    }
    if (params.has(LEGACY_QUEUED)) {
      b.legacyQueuedRequestsMetric(spec(params.get(LEGACY_QUEUED), at(path, LEGACY_QUEUED)));
    }
    if (params.has(LEGACY_KV)) {
      b.legacyKvCacheUsageMetric(spec(params.get(LEGACY_KV), at(path, LEGACY_KV)));
    }
    if (params.has(LEGACY_LORA)) {
      b.legacyLoraInfoMetric(spec(params.get(LEGACY_LORA), at(path, LEGACY_LORA)));
    }
    try {
      return b.build();
    } catch (EngineConfigException e) {
      throw path.isEmpty() ? e : e.withParentPath(path);
    }
  }

  private static EngineConfig engineConfig(JsonNode node, String path) {
    if (!node.isObject()) {
      throw new EngineConfigException(path + ": expected a mapping, got " + describe(node));
    }
    checkKeys(node, path, ENGINE_KEYS);
    String name = string(node.get("name"), path + ".name");
    if (name == null || name.isBlank()) {
      throw new EngineConfigException(path + ".name: required (a non-empty engine name)");
    }
    EngineConfig.Builder b = EngineConfig.builder(name);
    for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = e.getKey();
      String fieldPath = path + "." + key;
      BiConsumer<EngineConfig.Builder, Optional<MetricSpec>> setter = SPEC_FIELDS.get(key);
      if (setter != null) {
        setter.accept(b, spec(e.getValue(), fieldPath));
      } else if (key.equals("cacheBlockSizeLabelName")) {
        b.cacheBlockSizeLabelName(string(e.getValue(), fieldPath));
      } else if (key.equals("cacheNumBlocksLabelName")) {
        b.cacheNumBlocksLabelName(string(e.getValue(), fieldPath));
      }
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new EngineConfigException(path + "." + e.getMessage(), e);
    }
  }

  private static Optional<MetricSpec> spec(JsonNode node, String path) {
    String text = string(node, path);
    try {
      return MetricSpec.parseOptional(text);
    } catch (InvalidMetricSpecException e) {
      throw new EngineConfigException(path + ": " + e.getMessage(), e);
    }
  }

  private static void checkKeys(JsonNode node, String path, List<String> allowed) {
    try {
      SettingsNode.of("", path, node).keys(allowed);
    } catch (SettingsException e) {
      throw new EngineConfigException(e.getMessage(), e);
    }
  }

  /** A string value; null or absent gives null; other types are errors. */
  private static String string(JsonNode node, String path) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return null;
    }
    if (!node.isTextual()) {
      throw new EngineConfigException(path + ": expected a string, got " + describe(node));
    }
    return node.textValue();
  }

  private static String at(String path, String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static String quoteOrMissing(String s) {
    return s == null ? "missing" : "\"" + s + "\"";
  }

  private static String describe(JsonNode n) {
    if (n.isObject()) {
      return "a mapping";
    }
    if (n.isArray()) {
      return "a list";
    }
    if (n.isTextual()) {
      return "\"" + n.textValue() + "\"";
    }
    if (n.isMissingNode()) {
      return "nothing";
    }
    return n.getNodeType().toString().toLowerCase(Locale.ROOT) + " " + n;
  }

  private static JsonNode readTree(String text) {
    try {
      return SettingsReader.strict().parse("", text, SettingsReader.Format.YAML).raw();
    } catch (SettingsException e) {
      throw new EngineConfigException(e.getMessage(), e);
    }
  }
}
