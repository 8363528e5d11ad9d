package dev.loadfuse.picker.scheduling.config;

import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.picker.scheduling.Plugin;

/**
 * A data plugin that says how to read each engine's metrics (the reference's {@code
 * model-server-protocol-metrics}, llm-d's {@code core-metrics-extractor}). At most one per config;
 * the in-process sidecar scrapes with it.
 */
public interface EngineMetricsPlugin extends DataExtractorPlugin {

  ModelServerMetricsConfig engines();
}
