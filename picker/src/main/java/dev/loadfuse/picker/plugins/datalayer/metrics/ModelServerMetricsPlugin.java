package dev.loadfuse.picker.plugins.datalayer.metrics;

import dev.loadfuse.engine.config.EngineConfigException;
import dev.loadfuse.engine.config.EngineConfigLoader;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.EngineMetricsPlugin;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.util.Objects;

/**
 * {@code model-server-protocol-metrics} (the reference's name) or {@code core-metrics-extractor}
 * (llm-d's): how each engine's metrics page is read. The parameters ({@code engineLabelKey},
 * {@code defaultEngine}, {@code engineConfigs[]}) are decoded by {@link EngineConfigLoader}; the
 * in-process sidecar scrapes with the result.
 */
public final class ModelServerMetricsPlugin implements EngineMetricsPlugin {

  public static final String TYPE = EngineConfigLoader.PLUGIN_TYPE;
  public static final String TYPE_LLM_D = EngineConfigLoader.PLUGIN_TYPE_LLM_D;

  private final TypedName typedName;
  private final ModelServerMetricsConfig engines;

  public ModelServerMetricsPlugin(TypedName typedName, ModelServerMetricsConfig engines) {
    this.typedName = Objects.requireNonNull(typedName, "typedName");
    this.engines = Objects.requireNonNull(engines, "engines");
  }

  /** The factory of {@code type} (either name). */
  public static ModelServerMetricsPlugin create(String type, String name, Parameters parameters) {
    try {
      return new ModelServerMetricsPlugin(new TypedName(type, name), EngineConfigLoader.fromParameters(parameters.asMap()));
    } catch (EngineConfigException e) {
      throw ConfigException.at(parameters.path(), e.getMessage());
    }
  }

  @Override
  public TypedName typedName() {
    return typedName;
  }

  @Override
  public ModelServerMetricsConfig engines() {
    return engines;
  }
}
