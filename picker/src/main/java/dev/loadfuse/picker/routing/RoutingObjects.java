package dev.loadfuse.picker.routing;

import java.util.Map;
import java.util.Objects;

/**
 * The routing objects of local mode (InferenceObjective priorities, InferenceModelRewrite rules),
 * as Kubernetes would give them. Immutable.
 *
 * @param rewrites the model rewrite rules
 * @param priorities InferenceObjective name → {@code spec.priority} (0 when unset)
 */
public record RoutingObjects(ModelRewrites rewrites, Map<String, Integer> priorities) {

  public static final RoutingObjects NONE = new RoutingObjects(ModelRewrites.NONE, Map.of());

  public RoutingObjects {
    Objects.requireNonNull(rewrites, "rewrites");
    priorities = Map.copyOf(priorities);
  }

  /** True when a rewrite rule names {@code model}, or an objective has that name: a name the picker knows. */
  public boolean names(String model) {
    return rewrites.names(model) || priorities.containsKey(model);
  }

  /** The priority of the named objective; 0 when it is null or unknown (the reference's default). */
  public int priority(String objective) {
    if (objective == null || objective.isEmpty()) {
      return 0;
    }
    Integer p = priorities.get(objective);
    return p == null ? 0 : p;
  }
}
