package dev.loadfuse.picker.scheduling.config;

import java.util.List;

/**
 * Which reference an EndpointPickerConfig is written for, chosen by its {@code apiVersion}: GIE
 * v1.5 ({@code inference.networking.x-k8s.io/v1alpha1}) or the llm-d router v0.10 ({@code
 * llm-d.ai/v1alpha1}). The two differ in top-level sections ({@code requestHandler} is the router's;
 * its top-level {@code saturationDetector} and {@code parser} are deprecated), feature gates and
 * their syntax, and the defaults for an absent {@code dataLayer}.
 */
public enum ConfigFlavor {
  GIE("inference.networking.x-k8s.io/v1alpha1",
      List.of("apiVersion", "kind", "featureGates", "plugins", "schedulingProfiles", "saturationDetector", "dataLayer",
          "flowControl", "parser"),
      List.of("dataLayer", "enableLegacyMetrics", "flowControl")),
  ROUTER("llm-d.ai/v1alpha1",
      List.of("apiVersion", "kind", "featureGates", "plugins", "schedulingProfiles", "saturationDetector", "dataLayer",
          "flowControl", "parser", "requestHandler"),
      List.of("flowControl", "haPopulateNonLeaderDatastore"));

  private final String apiVersion;
  private final List<String> rootKeys;
  private final List<String> featureGates;

  ConfigFlavor(String apiVersion, List<String> rootKeys, List<String> featureGates) {
    this.apiVersion = apiVersion;
    this.rootKeys = rootKeys;
    this.featureGates = featureGates;
  }

  public String apiVersion() {
    return apiVersion;
  }

  List<String> rootKeys() {
    return rootKeys;
  }

  /** The feature gates this flavor knows. */
  public List<String> featureGates() {
    return featureGates;
  }

  /** The flavor of {@code apiVersion}, or null. */
  static ConfigFlavor of(String apiVersion) {
    for (ConfigFlavor f : values()) {
      if (f.apiVersion.equals(apiVersion)) {
        return f;
      }
    }
    return null;
  }
}
