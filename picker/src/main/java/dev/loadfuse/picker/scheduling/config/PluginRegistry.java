package dev.loadfuse.picker.scheduling.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Plugin types known to a config loader, each with its factory. An instance, filled explicitly
 * (in-tree plugins by {@code InTreePlugins.registerAll(registry)}), never a static map. Not
 * thread-safe while being filled; read-only afterwards.
 */
public final class PluginRegistry {

  private final Map<String, PluginFactory> factories = new LinkedHashMap<>();

  /**
   * @throws IllegalStateException when {@code type} is already registered
   */
  public PluginRegistry register(String type, PluginFactory factory) {
    if (type == null || type.isBlank()) {
      throw new IllegalArgumentException("type: missing");
    }
    Objects.requireNonNull(factory, "factory");
    if (factories.putIfAbsent(type, factory) != null) {
      throw new IllegalStateException("plugin type " + type + " is already registered");
    }
    return this;
  }

  /** The factory of {@code type}, null when unknown. */
  public PluginFactory factory(String type) {
    return factories.get(type);
  }

  /** Registered types, in registration order. */
  public Set<String> types() {
    return Collections.unmodifiableSet(factories.keySet());
  }
}
