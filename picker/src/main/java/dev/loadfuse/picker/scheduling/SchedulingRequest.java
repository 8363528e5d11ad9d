package dev.loadfuse.picker.scheduling;

import java.util.Map;
import java.util.Objects;

/**
 * What the scheduler knows of one inference request.
 *
 * @param requestId the {@code x-request-id} (kept from the client or generated)
 * @param model the model the client asked for ({@code body.model}); empty when the request carries
 *     no parsed body (header-only or pass-through path)
 * @param targetModel the model the request goes to after rewriting; equal to {@code model} when
 *     not rewritten
 * @param priority the InferenceObjective's priority (0 without one; below 0 = sheddable)
 * @param fairnessId {@code x-gateway-inference-fairness-id}, {@code default-flow} when absent
 * @param headers request headers, lower-case names; immutable
 * @param bodyBytes size of the body forwarded to the model server, 0 without a body
 * @param prompt the rendered prompt (completions: the prompt; chat: the messages, rendered by
 *     {@code PromptRenderer}), at most as many characters as the scheduler's {@link PromptReader}s
 *     ask for; empty when none asks or the request has no prompt
 * @param cacheSalt the body's {@code cache_salt}, empty when absent
 */
public record SchedulingRequest(
    String requestId,
    String model,
    String targetModel,
    int priority,
    String fairnessId,
    Map<String, String> headers,
    long bodyBytes,
    String prompt,
    String cacheSalt) {

  public static final String DEFAULT_FAIRNESS_ID = "default-flow";

  public SchedulingRequest {
    Objects.requireNonNull(requestId, "requestId");
    model = model == null ? "" : model;
    targetModel = targetModel == null ? model : targetModel;
    fairnessId = fairnessId == null || fairnessId.isEmpty() ? DEFAULT_FAIRNESS_ID : fairnessId;
    headers = headers == null ? Map.of() : headers;
    prompt = prompt == null ? "" : prompt;
    cacheSalt = cacheSalt == null ? "" : cacheSalt;
    if (bodyBytes < 0) {
      throw new IllegalArgumentException("bodyBytes: " + bodyBytes + " (expected: >= 0)");
    }
  }

  /**
   * A rough count of the prompt's tokens from the body size (4 bytes per token, the usual
   * estimate for English text), for plugins that account load in tokens; 0 without a body.
   */
  public long estimatedInputTokens() {
    return (bodyBytes + 3) / 4;
  }

  /** A request without prompt or cache salt. */
  public SchedulingRequest(String requestId, String model, String targetModel, int priority, String fairnessId,
      Map<String, String> headers, long bodyBytes) {
    this(requestId, model, targetModel, priority, fairnessId, headers, bodyBytes, "", "");
  }

  /** A request with only an id, for tests and benchmarks. */
  public static SchedulingRequest of(String requestId) {
    return new SchedulingRequest(requestId, "", "", 0, null, Map.of(), 0);
  }
}
