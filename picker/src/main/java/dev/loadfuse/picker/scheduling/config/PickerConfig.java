package dev.loadfuse.picker.scheduling.config;

import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.plugins.datalayer.source.MetricsDataSource;
import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.ProfileHandler;
import dev.loadfuse.picker.scheduling.ProfileSpec;
import dev.loadfuse.picker.scheduling.Scheduler;
import dev.loadfuse.picker.scheduling.SchedulerObserver;
import java.util.List;
import java.util.Objects;

/**
 * A loaded, valid EndpointPickerConfig.
 *
 * @param flavor which reference's format it was written in (by its apiVersion)
 * @param plugins every plugin instance, in config order (defaults added by the loader included)
 * @param profileHandler the profile handler (single-profile-handler unless configured)
 * @param profiles the scheduling profiles, in config order
 * @param featureGates the feature gates that are on
 * @param saturationDetector decides when sheddable requests are refused (the {@code
 *     saturationDetector} section; a default {@code utilization-detector} without one)
 * @param parsers the request parsers, at least one ({@code openai-parser} unless configured)
 * @param dataLayer the data sources and extractors after defaulting
 * @param flowControl the {@code flowControl} section as written (missing when absent), read by
 *     the flow-control layer when the {@code flowControl} feature gate is on
 * @param warnings what was accepted but deserves a look (unknown parameter keys, deprecated names),
 *     each naming its path; the loader has logged them
 */
public record PickerConfig(
    ConfigFlavor flavor,
    List<Plugin> plugins,
    ProfileHandler profileHandler,
    List<ProfileSpec> profiles,
    List<String> featureGates,
    SaturationDetector saturationDetector,
    List<ParserPlugin> parsers,
    DataLayerSpec dataLayer,
    SettingsNode flowControl,
    List<String> warnings) {

  public PickerConfig {
    Objects.requireNonNull(flavor, "flavor");
    plugins = List.copyOf(plugins);
    Objects.requireNonNull(profileHandler, "profileHandler");
    profiles = List.copyOf(profiles);
    if (profiles.isEmpty()) {
      throw new IllegalArgumentException("profiles: empty");
    }
    featureGates = List.copyOf(featureGates);
    Objects.requireNonNull(saturationDetector, "saturationDetector");
    parsers = List.copyOf(parsers);
    if (parsers.isEmpty()) {
      throw new IllegalArgumentException("parsers: empty");
    }
    Objects.requireNonNull(dataLayer, "dataLayer");
    warnings = List.copyOf(warnings);
    Objects.requireNonNull(flowControl, "flowControl");
  }

  /** The config's {@code apiVersion}: which reference's semantics apply. */
  public String apiVersion() {
    return flavor.apiVersion();
  }

  /** The plugin named {@code name}, null when there is none. */
  public Plugin plugin(String name) {
    for (Plugin p : plugins) {
      if (p.typedName().name().equals(name)) {
        return p;
      }
    }
    return null;
  }

  /** A scheduler running this config, reporting to {@code observer}. */
  public Scheduler scheduler(SchedulerObserver observer) {
    return new Scheduler(profileHandler, profiles, observer, plugins);
  }

  /**
   * The first {@code metrics-data-source} of the data layer that has an engine-metrics extractor:
   * what the in-process sidecar scrapes; null when none (no metrics are collected).
   */
  public MetricsDataSource metricsSource() {
    for (DataLayerSpec.Source s : dataLayer.sources()) {
      if (s.source() instanceof MetricsDataSource m && s.extractors().stream().anyMatch(EngineMetricsPlugin.class::isInstance)) {
        return m;
      }
    }
    return null;
  }

  /** How each engine's metrics are read: the extractor of {@link #metricsSource()}, else the built-in mappings. */
  public ModelServerMetricsConfig engines() {
    for (DataLayerSpec.Source s : dataLayer.sources()) {
      if (s.source() instanceof MetricsDataSource) {
        for (DataExtractorPlugin e : s.extractors()) {
          if (e instanceof EngineMetricsPlugin m) {
            return m.engines();
          }
        }
      }
    }
    return ModelServerMetricsConfig.defaults();
  }

  /** False when the only parser is {@code passthrough-parser}: bodies are not read. */
  public boolean parsesBody() {
    return parsers.stream().anyMatch(ParserPlugin::parsesBody);
  }
}
