package dev.loadfuse.picker.flowcontrol;

import java.util.List;

/** Which flow of a priority band is served next: the reference's fairness policies. */
public enum Fairness {
  /** Every flow's head compared by the band's ordering: one queue for the whole band, no fairness. */
  GLOBAL_STRICT("global-strict-fairness-policy"),
  /** Flows in a fixed order (sorted by fairness id), the one after the last served first. */
  ROUND_ROBIN("round-robin-fairness-policy");

  private final String type;

  Fairness(String type) {
    this.type = type;
  }

  /** The plugin type name in the config. */
  public String type() {
    return type;
  }

  /** The policy of plugin type {@code type}, null when there is none. */
  public static Fairness ofType(String type) {
    return PolicyTypes.byType(values(), Fairness::type, type);
  }

  public static List<String> types() {
    return PolicyTypes.types(values(), Fairness::type);
  }
}
