package dev.loadfuse.discovery.kubernetes;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** The InferencePool API versions that {@link KubernetesEndpointDiscovery} can read. */
public enum PoolApi {

  /**
   * {@code inference.networking.k8s.io/v1}: {@code spec.selector.matchLabels} and {@code
   * spec.targetPorts[].number} (1 to 8 ports, one endpoint per port).
   */
  V1("inference.networking.k8s.io", "v1"),

  /**
   * {@code inference.networking.x-k8s.io/v1alpha2}: {@code spec.selector} (a label map) and
   * {@code spec.targetPortNumber}.
   */
  V1ALPHA2("inference.networking.x-k8s.io", "v1alpha2");

  private final String group;
  private final String version;
  private final ResourceDefinitionContext context;

  PoolApi(String group, String version) {
    this.group = group;
    this.version = version;
    this.context =
        new ResourceDefinitionContext.Builder()
            .withGroup(group)
            .withVersion(version)
            .withKind("InferencePool")
            .withPlural("inferencepools")
            .withNamespaced(true)
            .build();
  }

  public String group() {
    return group;
  }

  public String version() {
    return version;
  }

  /** {@code group/version}, as in an object's {@code apiVersion}. */
  public String apiVersion() {
    return group + "/" + version;
  }

  /** The fabric8 context for reading or writing pools of this version as generic resources. */
  public ResourceDefinitionContext context() {
    return context;
  }
}
