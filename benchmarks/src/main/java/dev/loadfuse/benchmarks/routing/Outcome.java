package dev.loadfuse.benchmarks.routing;

/**
 * What happened to one request, times in simulated seconds from the start of its run.
 *
 * @param endpoint the engine that served it ({@code name}), or empty when refused
 * @param ttftSeconds first token, from the request being sent
 * @param e2eSeconds last byte, from the request being sent
 * @param pickerMicros real microseconds from the first ext_proc message to the routed body
 *     coming back (what the picker adds before Envoy can forward); 0 without a picker
 * @param error empty on success, else the status and reason
 */
public record Outcome(
    int index,
    String group,
    String endpoint,
    double startSeconds,
    double ttftSeconds,
    double e2eSeconds,
    int promptTokens,
    int cachedTokens,
    int outputTokens,
    double pickerMicros,
    String error) {

  public boolean ok() {
    return error.isEmpty();
  }

  /** Mean time per output token after the first (TPOT), simulated seconds; 0 for one token. */
  public double interTokenSeconds() {
    return outputTokens > 1 ? (e2eSeconds - ttftSeconds) / (outputTokens - 1) : 0;
  }
}
