package dev.loadfuse.benchmarks.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.scheduling.config.PluginRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A routing policy under comparison. Every policy but round-robin is an EndpointPickerConfig run
 * by a real picker in-process, reached over ext_proc; round-robin is what Envoy does without a
 * picker (its {@code ROUND_ROBIN} cluster), so the gateway does it itself and skips ext_proc.
 *
 * @param name short name used in tables, CSV and charts
 * @param configText the EndpointPickerConfig YAML; null for round-robin
 */
public record Policy(String name, String configText) {

  /** Names in the order the runner compares them. */
  public static final List<String> NAMES =
      List.of("round-robin", "random", "least-queue", "reference-default", "our-default", "gpu-aware");

  public boolean usesPicker() {
    return configText != null;
  }

  /** The policy {@code name}; the error lists the known names. */
  public static Policy named(String name) {
    return switch (name) {
      case "round-robin" -> new Policy(name, null);
      case "our-default" -> new Policy(name, ConfigLoader.DEFAULT_CONFIG_TEXT);
      case "random", "least-queue", "reference-default", "gpu-aware" -> new Policy(name, resource(name));
      default -> throw new IllegalArgumentException(
          "policy: " + name + " (expected: one of " + String.join(", ", NAMES) + ")");
    };
  }

  /** Plugin types this policy's config needs that {@code registry} does not have (empty = runnable). */
  public List<String> missingPluginTypes(PluginRegistry registry) {
    if (configText == null) {
      return List.of();
    }
    Set<String> known = registry.types();
    List<String> missing = new ArrayList<>();
    try {
      for (JsonNode p : new ObjectMapper(new YAMLFactory()).readTree(configText).path("plugins")) {
        String type = p.path("type").asText();
        if (!known.contains(type)) {
          missing.add(type);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return missing;
  }

  /** The picker config (for policies that use the picker), loaded strictly with the in-tree plugins. */
  public PickerConfig pickerConfig() {
    return new ConfigLoader(InTreePlugins.registry()).load(configText, "policy " + name);
  }

  private static String resource(String name) {
    try (InputStream in = Policy.class.getResourceAsStream("/policies/" + name + ".yaml")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
