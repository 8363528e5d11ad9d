package dev.loadfuse.picker.flowcontrol;

import dev.loadfuse.picker.scheduling.Plugin;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.Parameters;
import dev.loadfuse.picker.scheduling.config.PluginRegistry;

/**
 * A flow-control policy declared in the config's {@code plugins} list (a fairness, ordering or
 * usage-limit policy) and referenced by name from the {@code flowControl} section. The policies'
 * behaviour lives in {@link FlowController}; this only carries the declaration.
 *
 * @param threshold for {@code static-usage-limit-policy}: the pool saturation at or above which no
 *     band dispatches (1.0 by default); NaN for the other policies
 */
public record FlowPolicyPlugin(TypedName typedName, double threshold) implements Plugin {

  public static final String STATIC_USAGE_LIMIT = "static-usage-limit-policy";
  public static final double DEFAULT_THRESHOLD = 1.0;

  /** Registers every flow-control policy type. */
  public static void registerAll(PluginRegistry registry) {
    for (Fairness f : Fairness.values()) {
      registry.register(f.type(), (name, p) -> new FlowPolicyPlugin(new TypedName(f.type(), name), Double.NaN));
    }
    for (Ordering o : Ordering.values()) {
      registry.register(o.type(), (name, p) -> new FlowPolicyPlugin(new TypedName(o.type(), name), Double.NaN));
    }
    registry.register(STATIC_USAGE_LIMIT, FlowPolicyPlugin::staticUsageLimit);
  }

  private static FlowPolicyPlugin staticUsageLimit(String name, Parameters p) {
    double threshold = p.number("threshold", DEFAULT_THRESHOLD, 0, true, Double.MAX_VALUE);
    return new FlowPolicyPlugin(new TypedName(STATIC_USAGE_LIMIT, name), threshold);
  }
}
