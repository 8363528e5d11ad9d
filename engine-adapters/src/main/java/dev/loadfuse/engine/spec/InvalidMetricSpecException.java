package dev.loadfuse.engine.spec;

/**
 * A metric spec that does not parse. The message quotes the spec and the 0-based position where
 * parsing stopped, e.g. {@code invalid metric spec "vllm:x{a=" at position 9: unterminated label
 * matcher}.
 */
public final class InvalidMetricSpecException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  private final String spec;
  private final int position;
  private final String reason;

  public InvalidMetricSpecException(String spec, int position, String reason) {
    super("invalid metric spec \"" + spec + "\" at position " + position + ": " + reason);
    this.spec = spec;
    this.position = position;
    this.reason = reason;
  }

  public String spec() {
    return spec;
  }

  /** 0-based index into {@link #spec()}; equal to its length when the spec ended too early. */
  public int position() {
    return position;
  }

  public String reason() {
    return reason;
  }
}
