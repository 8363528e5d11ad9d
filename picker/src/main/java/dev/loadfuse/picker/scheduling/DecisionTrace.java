package dev.loadfuse.picker.scheduling;

/**
 * Where a traced decision reports each plugin's run (a span per plugin). A cycle of an untraced or
 * unsampled request has none, and the profile then does no tracing work at all.
 */
public interface DecisionTrace {

  /**
   * A plugin starts on {@code candidates} endpoints.
   *
   * @param extensionPoint {@code Filter}, {@code Scorer} or {@code Picker}
   */
  Step step(String extensionPoint, TypedName plugin, int candidates);

  /** One plugin's run. */
  interface Step {

    /** It ended, leaving {@code result} endpoints (a filter's survivors, a picker's choices). */
    void end(int result);
  }
}
