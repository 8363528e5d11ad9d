package dev.loadfuse.picker.scheduling.config;

import dev.loadfuse.picker.scheduling.Plugin;

/**
 * A {@code dataLayer.sources[].extractors[].pluginRef} target: turns what a data source fetched into
 * endpoint attributes (the reference's {@code core-metrics-extractor}).
 */
public interface DataExtractorPlugin extends Plugin {}
