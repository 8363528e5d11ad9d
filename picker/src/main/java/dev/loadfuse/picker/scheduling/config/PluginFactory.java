package dev.loadfuse.picker.scheduling.config;

import dev.loadfuse.picker.scheduling.Plugin;

/**
 * Builds one plugin instance from its config entry.
 *
 * <p>Contract: reads its parameters through {@code parameters} (which rejects unknown keys after
 * the factory returns) and throws {@link ConfigException} (or {@link IllegalArgumentException},
 * which the loader prefixes with the path) for invalid values.
 */
@FunctionalInterface
public interface PluginFactory {

  Plugin create(String name, Parameters parameters);
}
