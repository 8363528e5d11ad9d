package dev.loadfuse.picker.routing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.random.RandomGenerator;

/**
 * The InferenceModelRewrite rules in force, in precedence order: a rule matching the model exactly
 * beats a match-all rule; among rules of one kind the older resource wins, then the earlier rule
 * (the objects file's order stands for age). Immutable and thread-safe.
 */
public final class ModelRewrites {

  public static final ModelRewrites NONE = new ModelRewrites(List.of());

  private final List<RewriteRule> exact;
  private final List<RewriteRule> matchAll;
  private final Set<String> models;

  public ModelRewrites(List<RewriteRule> rules) {
    List<RewriteRule> e = new ArrayList<>();
    List<RewriteRule> m = new ArrayList<>();
    for (RewriteRule r : rules) {
      (r.matchesAll() ? m : e).add(r);
    }
    this.exact = List.copyOf(e);
    this.matchAll = List.copyOf(m);
    Set<String> named = new HashSet<>();
    for (RewriteRule r : rules) {
      named.addAll(r.exactModels());
      r.targets().forEach(t -> named.add(t.model()));
    }
    this.models = Set.copyOf(named);
  }

  /** True when a rule names {@code model}, as a model it matches or as a target. */
  public boolean names(String model) {
    return models.contains(model);
  }

  /** The rule that applies to {@code model}, null when none. */
  public RewriteRule ruleFor(String model) {
    for (RewriteRule r : exact) {
      if (r.exactModels().contains(model)) {
        return r;
      }
    }
    return matchAll.isEmpty() ? null : matchAll.getFirst();
  }

  /** The model {@code model} is rewritten to (weighted draw among the rule's targets), or itself. */
  public String rewrite(String model, RandomGenerator random) {
    RewriteRule r = ruleFor(model);
    if (r == null) {
      return model;
    }
    if (r.targets().size() == 1) {
      return r.targets().getFirst().model();
    }
    return r.draw(random.nextLong(r.totalWeight()));
  }

  public boolean isEmpty() {
    return exact.isEmpty() && matchAll.isEmpty();
  }
}
