package dev.loadfuse.picker.scheduling.config;

import dev.loadfuse.picker.scheduling.Plugin;

/** A flow-control policy named by the {@code flowControl} section (ordering, fairness, usage limit). */
public interface FlowControlPolicyPlugin extends Plugin {

  /** Which {@code flowControl} reference may name this policy. */
  enum Kind {
    ORDERING("an ordering policy"),
    FAIRNESS("a fairness policy"),
    USAGE_LIMIT("a usage-limit policy");

    private final String description;

    Kind(String description) {
      this.description = description;
    }

    public String description() {
      return description;
    }
  }

  Kind kind();
}
