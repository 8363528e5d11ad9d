package dev.loadfuse.picker.testing;

import java.util.List;

/** EndpointPickerConfigs shared by tests. */
public final class TestConfigs {

  /** The queue scorer and a max-score picker returning three endpoints: a primary and two fallbacks. */
  public static final String QUEUE_THREE_ENDPOINTS = """
      apiVersion: inference.networking.x-k8s.io/v1alpha1
      kind: EndpointPickerConfig
      plugins:
      - type: queue-scorer
      - {name: picker, type: max-score-picker, parameters: {maxNumOfEndpoints: 3}}
      schedulingProfiles:
      - name: default
        plugins: [{pluginRef: queue-scorer}, {pluginRef: picker}]
      """;

  /** A scorer of {@link #weightedProfile}: its type, weight and parameters (a YAML flow map; null for none). */
  public record Scorer(String type, int weight, String parameters) {
    public Scorer(String type, int weight) {
      this(type, weight, null);
    }
  }

  /**
   * An EndpointPickerConfig with these scorers, each at its weight, and a {@code max-score-picker}
   * in the default profile (the reference's default profile is queue-scorer 2,
   * kv-cache-utilization-scorer 2, prefix-cache-scorer 3); {@code more} is YAML appended at the top
   * level (e.g. a {@code saturationDetector}), empty for none.
   */
  public static String weightedProfile(List<Scorer> scorers, String more) {
    StringBuilder plugins = new StringBuilder();
    StringBuilder refs = new StringBuilder();
    for (Scorer s : scorers) {
      plugins.append("- {type: ").append(s.type())
          .append(s.parameters() == null ? "" : ", parameters: " + s.parameters()).append("}\n");
      refs.append("  - {pluginRef: ").append(s.type()).append(", weight: ").append(s.weight()).append("}\n");
    }
    return "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\nplugins:\n" + plugins
        + "- {type: max-score-picker}\nschedulingProfiles:\n- name: default\n  plugins:\n" + refs
        + "  - {pluginRef: max-score-picker}\n" + more;
  }

  private TestConfigs() {}
}
