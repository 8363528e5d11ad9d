package dev.loadfuse.picker.scheduling.config;

import dev.loadfuse.picker.scheduling.Plugin;

/**
 * A {@code dataLayer.sources[].pluginRef} target: where endpoint data comes from (the reference's
 * data sources, e.g. {@code metrics-data-source}).
 */
public interface DataSourcePlugin extends Plugin {}
