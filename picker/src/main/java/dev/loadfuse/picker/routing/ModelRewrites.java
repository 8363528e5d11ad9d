package dev.loadfuse.picker.routing;

import java.util.ArrayList;
import java.util.List;
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

  public ModelRewrites(List<RewriteRule> rules) {
    List<RewriteRule> e = new ArrayList<>();
    List<RewriteRule> m = new ArrayList<>();
    for (RewriteRule r : rules) {
      (r.matchesAll() ? m : e).add(r);
    }
    this.exact = List.copyOf(e);
    this.matchAll = List.copyOf(m);
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
