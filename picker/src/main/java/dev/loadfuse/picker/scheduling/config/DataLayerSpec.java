package dev.loadfuse.picker.scheduling.config;

import java.util.List;

/**
 * The {@code dataLayer} section after defaulting: which data sources run and which extractors read
 * what each fetches. Empty means no metrics are collected (GIE's {@code dataLayer: {}}).
 */
public record DataLayerSpec(List<Source> sources) {

  public DataLayerSpec {
    sources = List.copyOf(sources);
  }

  /** One {@code dataLayer.sources[]} entry. */
  public record Source(DataSourcePlugin source, List<DataExtractorPlugin> extractors) {

    public Source {
      extractors = List.copyOf(extractors);
    }
  }
}
