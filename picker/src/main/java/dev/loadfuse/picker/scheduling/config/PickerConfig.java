package dev.loadfuse.picker.scheduling.config;

import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.picker.admission.SaturationDetector;
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
 * @param plugins every plugin instance, in config order (defaults added by the loader included)
 * @param profileHandler the profile handler (single-profile-handler unless configured)
 * @param profiles the scheduling profiles, in config order
 * @param engines the engine-metrics mappings from the metrics plugin, or the built-in defaults
 * @param featureGates the {@code featureGates} list as written ({@code flowControl} turns flow control on)
 * @param saturationDetector decides when sheddable requests are refused (the {@code
 *     saturationDetector} section; a default {@code utilization-detector} without one)
 * @param apiVersion the config's {@code apiVersion}: which reference's semantics apply
 * @param flowControl the {@code flowControl} section as written (missing when absent), read by
 *     the flow-control layer when the {@code flowControl} feature gate is on
 */
public record PickerConfig(
    List<Plugin> plugins,
    ProfileHandler profileHandler,
    List<ProfileSpec> profiles,
    ModelServerMetricsConfig engines,
    List<String> featureGates,
    SaturationDetector saturationDetector,
    String apiVersion,
    SettingsNode flowControl) {

  public PickerConfig {
    plugins = List.copyOf(plugins);
    Objects.requireNonNull(profileHandler, "profileHandler");
    profiles = List.copyOf(profiles);
    if (profiles.isEmpty()) {
      throw new IllegalArgumentException("profiles: empty");
    }
    engines = engines == null ? ModelServerMetricsConfig.defaults() : engines;
    featureGates = List.copyOf(featureGates);
    Objects.requireNonNull(saturationDetector, "saturationDetector");
    Objects.requireNonNull(apiVersion, "apiVersion");
    Objects.requireNonNull(flowControl, "flowControl");
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
    return new Scheduler(profileHandler, profiles, observer);
  }
}
