package dev.loadfuse.picker.routing;

import java.util.List;
import java.util.Set;

/**
 * One rule of an InferenceModelRewrite: the models it matches (none = every model) and the
 * weighted targets a matching request is rewritten to.
 *
 * @param source where the rule comes from, for logs ({@code canary rules[0]})
 * @param exactModels models matched exactly; empty = match-all
 * @param targets the weighted targets, never empty
 */
public record RewriteRule(String source, Set<String> exactModels, List<Target> targets) {

  /** The InferenceModelRewrite's name ({@code canary} of {@code canary rules[0]}). */
  public String objectName() {
    int rules = source.indexOf(" rules[");
    return rules < 0 ? source : source.substring(0, rules);
  }

  public static final int MIN_WEIGHT = 1;
  public static final int MAX_WEIGHT = 1_000_000;

  /** A target model and its weight in [1, 1,000,000]. */
  public record Target(String model, int weight) {
    public Target {
      if (model == null || model.isBlank()) {
        throw new IllegalArgumentException("modelRewrite: missing");
      }
      if (weight < MIN_WEIGHT || weight > MAX_WEIGHT) {
        throw new IllegalArgumentException("weight: " + weight + " (expected: [1, 1000000])");
      }
    }
  }

  public RewriteRule {
    exactModels = Set.copyOf(exactModels);
    targets = List.copyOf(targets);
    if (targets.isEmpty()) {
      throw new IllegalArgumentException("targets: empty (expected: at least one)");
    }
  }

  public boolean matchesAll() {
    return exactModels.isEmpty();
  }

  /** A target drawn with probability weight / sum of weights; {@code r} uniform in [0, sum). */
  public String draw(long r) {
    for (Target t : targets) {
      r -= t.weight();
      if (r < 0) {
        return t.model();
      }
    }
    return targets.getLast().model();
  }

  public long totalWeight() {
    long sum = 0;
    for (Target t : targets) {
      sum += t.weight();
    }
    return sum;
  }
}
