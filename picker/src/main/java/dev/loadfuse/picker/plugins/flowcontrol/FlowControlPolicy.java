package dev.loadfuse.picker.plugins.flowcontrol;

import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.FlowControlPolicyPlugin;
import dev.loadfuse.picker.scheduling.config.Parameters;
import dev.loadfuse.picker.scheduling.config.PluginRegistry;
import java.util.Map;

/**
 * The reference's flow-control policies, as config entries the {@code flowControl} section can
 * name: ordering ({@code fcfs-ordering-policy}, {@code edf-ordering-policy}, {@code
 * slo-deadline-ordering-policy}), fairness ({@code global-strict-fairness-policy}, {@code
 * round-robin-fairness-policy}) and usage limit ({@code static-usage-limit-policy}, parameter {@code
 * threshold}, default 1.0, in (0, 1]). They are validated here; the flow-control layer that runs them
 * is not part of this picker yet, so the {@code flowControl} section is parsed and checked but not
 * acted on (the loader warns when it is set).
 */
public final class FlowControlPolicy implements FlowControlPolicyPlugin {

  public static final String FCFS = "fcfs-ordering-policy";
  public static final String GLOBAL_STRICT = "global-strict-fairness-policy";
  public static final String STATIC_USAGE_LIMIT = "static-usage-limit-policy";

  private static final Map<String, Kind> TYPES = Map.of(
      FCFS, Kind.ORDERING,
      "edf-ordering-policy", Kind.ORDERING,
      "slo-deadline-ordering-policy", Kind.ORDERING,
      GLOBAL_STRICT, Kind.FAIRNESS,
      "round-robin-fairness-policy", Kind.FAIRNESS,
      STATIC_USAGE_LIMIT, Kind.USAGE_LIMIT);

  private final TypedName typedName;
  private final Kind kind;
  private final double threshold;

  private FlowControlPolicy(String type, String name, double threshold) {
    this.typedName = new TypedName(type, name);
    this.kind = TYPES.get(type);
    this.threshold = threshold;
  }

  /** Registers every policy type. */
  public static void registerAll(PluginRegistry registry) {
    for (String type : new java.util.TreeSet<>(TYPES.keySet())) {
      registry.register(type, (name, p) -> new FlowControlPolicy(type,
          name, type.equals(STATIC_USAGE_LIMIT) ? p.number("threshold", 1.0, 0, true, 1.0) : 1.0));
    }
  }

  @Override
  public TypedName typedName() {
    return typedName;
  }

  @Override
  public Kind kind() {
    return kind;
  }

  /** {@code static-usage-limit-policy}'s threshold (1.0 for the others). */
  public double threshold() {
    return threshold;
  }
}
