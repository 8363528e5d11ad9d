package dev.loadfuse.engine.config;

import dev.loadfuse.engine.spec.MetricSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The parameters of the model-server-protocol-metrics plugin, resolved: which pod label names the
 * engine, the default engine, and every engine configuration by name.
 *
 * <p><b>Merging.</b> User {@code engineConfigs} come first; each built-in ({@link
 * BuiltInEngines}) whose name no user config takes is added after them. A user config named like
 * a built-in replaces it, and the built-in's aliases then point at the user's config; a user
 * config named like an alias takes that name away from the built-in.
 *
 * <p><b>Legacy flags.</b> {@code total-queued-requests-metric}, {@code
 * kv-cache-usage-percentage-metric} and {@code lora-info-metric} (the single-engine overrides of
 * earlier endpoint pickers) replace the matching spec of the default engine, dropping its
 * fallbacks; an empty {@code lora-info-metric} turns LoRA off.
 *
 * <p><b>Selection</b> ({@link #select}): the pod label {@code engineLabelKey}, then the pool
 * annotation {@value #POOL_RUNTIME_ANNOTATION}, then {@code defaultEngine}. A value that names no
 * engine is an error, never a silent fallback: a wrong label would otherwise read the wrong
 * metrics and report an idle server.
 *
 * <p>Immutable and thread-safe.
 */
public final class ModelServerMetricsConfig {

  public static final String DEFAULT_ENGINE_LABEL_KEY = "inference.networking.k8s.io/engine-type";
  public static final String DEFAULT_ENGINE = BuiltInEngines.VLLM;
  public static final String POOL_RUNTIME_ANNOTATION =
      "inference.networking.x-k8s.io/model-server-runtime";

  private static final ModelServerMetricsConfig DEFAULTS = builder().build();

  private final String engineLabelKey;
  private final String defaultEngine;
  private final List<EngineConfig> engines;
  private final Map<String, EngineConfig> byName;
  private final String knownNames;

  private ModelServerMetricsConfig(
      String engineLabelKey,
      String defaultEngine,
      List<EngineConfig> engines,
      Map<String, EngineConfig> byName,
      String knownNames) {
    this.engineLabelKey = engineLabelKey;
    this.defaultEngine = defaultEngine;
    this.engines = engines;
    this.byName = byName;
    this.knownNames = knownNames;
  }

  /** Built-in engines, default label key, {@code vllm} as default. */
  public static ModelServerMetricsConfig defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  public String engineLabelKey() {
    return engineLabelKey;
  }

  public String defaultEngine() {
    return defaultEngine;
  }

  /** The configuration of the default engine. */
  public EngineConfig defaultEngineConfig() {
    return byName.get(defaultEngine);
  }

  /** Every configuration (not aliases), sorted by name. */
  public List<EngineConfig> engines() {
    return engines;
  }

  /** Names and aliases, e.g. {@code sglang, triton-tensorrt-llm, trt-llm, triton, ...}. */
  public String knownNames() {
    return knownNames;
  }

  /** The configuration called {@code nameOrAlias}. */
  public Optional<EngineConfig> engine(String nameOrAlias) {
    return Optional.ofNullable(byName.get(nameOrAlias));
  }

  /**
   * The configuration called {@code nameOrAlias}, for an engine chosen explicitly.
   *
   * @throws UnknownEngineException {@code unknown engine "x" (known: ...)}
   */
  public EngineConfig require(String nameOrAlias) {
    EngineConfig c = byName.get(nameOrAlias);
    if (c == null) {
      throw new UnknownEngineException(
          "unknown engine \"" + nameOrAlias + "\" (known: " + knownNames + ")", nameOrAlias);
    }
    return c;
  }

  /**
   * Chooses the engine of an endpoint. Empty values count as absent.
   *
   * @param endpoint endpoint name, for the error message
   * @param podLabels the pod's labels
   * @param poolAnnotations the InferencePool's annotations
   * @throws UnknownEngineException naming the endpoint, the value and where it came from
   */
  public EngineSelection select(
      String endpoint, Map<String, String> podLabels, Map<String, String> poolAnnotations) {
    Objects.requireNonNull(endpoint, "endpoint");
    String v = podLabels.get(engineLabelKey);
    if (v != null && !v.isEmpty()) {
      return new EngineSelection(
          resolve(endpoint, v, "pod label " + engineLabelKey),
          EngineSelection.Source.POD_LABEL,
          v);
    }
    v = poolAnnotations.get(POOL_RUNTIME_ANNOTATION);
    if (v != null && !v.isEmpty()) {
      return new EngineSelection(
          resolve(endpoint, v, "pool annotation " + POOL_RUNTIME_ANNOTATION),
          EngineSelection.Source.POOL_ANNOTATION,
          v);
    }
    return new EngineSelection(
        defaultEngineConfig(), EngineSelection.Source.DEFAULT, defaultEngine);
  }

  private EngineConfig resolve(String endpoint, String value, String from) {
    EngineConfig c = byName.get(value);
    if (c == null) {
      throw new UnknownEngineException(
          "endpoint " + endpoint + ": unknown engine \"" + value + "\" from " + from
              + " (known: " + knownNames + ")",
          value);
    }
    return c;
  }

  @Override
  public String toString() {
    return "ModelServerMetricsConfig[engineLabelKey=" + engineLabelKey + ", defaultEngine="
        + defaultEngine + ", engines=" + knownNames + "]";
  }

  /**
   * Collects the plugin parameters. Errors from {@link #build()} are {@link EngineConfigException}s
   * whose message starts with the parameter path ({@code engineConfigs[1].name: ...}).
   */
  public static final class Builder {
    private String engineLabelKey = DEFAULT_ENGINE_LABEL_KEY;
    private String defaultEngine = DEFAULT_ENGINE;
    private final List<EngineConfig> userConfigs = new ArrayList<>();
    private Optional<MetricSpec> legacyQueued;
    private Optional<MetricSpec> legacyKv;
    private Optional<MetricSpec> legacyLora;

    private Builder() {}

    /** Empty or null means {@value #DEFAULT_ENGINE_LABEL_KEY}. */
    public Builder engineLabelKey(String key) {
      this.engineLabelKey = key == null || key.isEmpty() ? DEFAULT_ENGINE_LABEL_KEY : key;
      return this;
    }

    /** Empty or null means {@value #DEFAULT_ENGINE}. */
    public Builder defaultEngine(String engine) {
      this.defaultEngine = engine == null || engine.isEmpty() ? DEFAULT_ENGINE : engine;
      return this;
    }

    /** Adds a user engine configuration ({@code engineConfigs[i]}, in order). */
    public Builder addEngineConfig(EngineConfig config) {
      userConfigs.add(Objects.requireNonNull(config, "config"));
      return this;
    }

    /** {@code total-queued-requests-metric}; empty disables the queue signal. */
    public Builder legacyQueuedRequestsMetric(Optional<MetricSpec> spec) {
      this.legacyQueued = Objects.requireNonNull(spec);
      return this;
    }

    /** {@code kv-cache-usage-percentage-metric}; empty disables KV usage. */
    public Builder legacyKvCacheUsageMetric(Optional<MetricSpec> spec) {
      this.legacyKv = Objects.requireNonNull(spec);
      return this;
    }

    /** {@code lora-info-metric}; empty turns LoRA off. */
    public Builder legacyLoraInfoMetric(Optional<MetricSpec> spec) {
      this.legacyLora = Objects.requireNonNull(spec);
      return this;
    }

    public ModelServerMetricsConfig build() {
      Map<String, EngineConfig> configs = new LinkedHashMap<>();
      for (int i = 0; i < userConfigs.size(); i++) {
        EngineConfig c = userConfigs.get(i);
        if (configs.putIfAbsent(c.name(), c) != null) {
          throw new EngineConfigException(
              "engineConfigs[" + i + "].name: duplicate engine name \"" + c.name() + "\"");
        }
      }
      for (EngineConfig builtIn : BuiltInEngines.all()) {
        configs.putIfAbsent(builtIn.name(), builtIn);
      }
      // Legacy flags edit the default engine; resolve it through aliases first.
      String defaultName = canonicalName(configs, defaultEngine);
      if (defaultName != null) {
        EngineConfig d = configs.get(defaultName);
        if (legacyQueued != null) {
          d = d.withQueuedRequestsSpec(legacyQueued);
        }
        if (legacyKv != null) {
          d = d.withKvUsageSpec(legacyKv);
        }
        if (legacyLora != null) {
          d = d.withLoraSpec(legacyLora);
        }
        configs.put(defaultName, d);
      }

      Map<String, EngineConfig> byName = new HashMap<>(configs);
      // Sorted canonical names, each followed by its aliases: the order users see in errors.
      TreeMap<String, List<String>> names = new TreeMap<>();
      for (String n : configs.keySet()) {
        names.put(n, new ArrayList<>());
      }
      for (EngineConfig builtIn : BuiltInEngines.all()) {
        for (String alias : BuiltInEngines.aliases(builtIn.name())) {
          if (!configs.containsKey(alias)) {
            byName.put(alias, configs.get(builtIn.name()));
            names.get(builtIn.name()).add(alias);
          }
        }
      }
      List<String> listed = new ArrayList<>();
      names.forEach(
          (n, aliases) -> {
            listed.add(n);
            listed.addAll(aliases);
          });
      String known = String.join(", ", listed);
      EngineConfig dflt = byName.get(defaultEngine);
      if (dflt == null) {
        throw new UnknownEngineException(
            "defaultEngine: unknown engine \"" + defaultEngine + "\" (known: " + known + ")",
            defaultEngine);
      }
      return new ModelServerMetricsConfig(
          engineLabelKey,
          dflt.name(),
          List.copyOf(new TreeMap<>(configs).values()),
          Map.copyOf(byName),
          known);
    }

    private static String canonicalName(Map<String, EngineConfig> configs, String name) {
      if (configs.containsKey(name)) {
        return name;
      }
      for (EngineConfig builtIn : BuiltInEngines.all()) {
        if (BuiltInEngines.aliases(builtIn.name()).contains(name)) {
          return builtIn.name();
        }
      }
      return null;
    }
  }
}
