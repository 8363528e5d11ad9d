package dev.loadfuse.picker.testing;

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

  private TestConfigs() {}
}
