package dev.loadfuse.engine.spec;

/**
 * A metric spec that does not parse. The message quotes the spec and the 0-based position where
 * parsing stopped, e.g. {@code invalid metric spec "vllm:x{a=" at position 9: unterminated label
 * matcher}.
 */
public final class InvalidMetricSpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  /**
   * @param spec the spec as written
   * @param position 0-based index into {@code spec} where parsing stopped; its length when the
   *     spec ended too early
   * @param reason what was expected there
   */
  public InvalidMetricSpecException(String spec, int position, String reason) {
    super("invalid metric spec \"" + spec + "\" at position " + position + ": " + reason);
  }
}
