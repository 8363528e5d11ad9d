package dev.loadfuse.picker.request;

import dev.loadfuse.picker.openai.Api;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A request as the {@link RequestAssembler} read it: everything admission, scheduling and the
 * answer to Envoy need. Immutable, except that {@link #body()} is shared, not copied: it must not be
 * written to.
 *
 * @param requestId {@code x-request-id}, kept or generated
 * @param generatedRequestId the generated id (to set on the request), null when the client sent one
 * @param headers request headers, lower-case names (raw value, else value)
 * @param api the API chosen by the path; {@link Api#PASS_THROUGH} forwards the body unparsed
 * @param headerOnly the request has no body (routed on its headers)
 * @param model the model the client asked for; empty when not parsed
 * @param targetModel the model after rewriting; equal to {@code model} when not rewritten
 * @param priority the InferenceObjective's priority (0 without one; below 0 = sheddable)
 * @param fairnessId {@code x-gateway-inference-fairness-id}, {@code default-flow} when absent
 * @param body the bytes to forward, {@code body[0..bodyLength)}: the client's, or with the model
 *     spliced in when rewritten
 * @param bodyLength how many bytes of {@code body} to forward
 * @param bodyRewritten the model was rewritten, so the body (and the model in the response) changes
 * @param prompt the rendered prompt, as much as the scheduler's plugins read; empty when none
 * @param cacheSalt the body's {@code cache_salt}, empty when absent
 * @param rewriteRule the InferenceModelRewrite that chose the target model; empty when none did
 * @param stream the body's {@code stream} is true: the response is read as a stream of events
 *     whatever its content type, as the reference reads it
 * @param subsetPresent Envoy sent a subset hint ({@code envoy.lb.subset_hint})
 * @param subset the hint's entries ({@code ip:port} or bare addresses); empty when absent or empty
 */
public record ParsedRequest(
    String requestId,
    String generatedRequestId,
    Map<String, String> headers,
    Api api,
    boolean headerOnly,
    String model,
    String targetModel,
    int priority,
    String fairnessId,
    byte[] body,
    int bodyLength,
    boolean bodyRewritten,
    String prompt,
    String cacheSalt,
    String rewriteRule,
    boolean stream,
    boolean subsetPresent,
    List<String> subset) {

  public ParsedRequest {
    Objects.requireNonNull(requestId, "requestId");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(api, "api");
    Objects.requireNonNull(model, "model");
    Objects.requireNonNull(targetModel, "targetModel");
    Objects.requireNonNull(fairnessId, "fairnessId");
    Objects.requireNonNull(body, "body");
    Objects.requireNonNull(subset, "subset");
    if (bodyLength < 0 || bodyLength > body.length) {
      throw new IllegalArgumentException("bodyLength: " + bodyLength + " (expected: [0, " + body.length + "])");
    }
  }

  /** What the scheduler and its plugins see of this request. */
  public SchedulingRequest schedulingRequest() {
    return new SchedulingRequest(requestId, model, targetModel, priority, fairnessId, headers, bodyLength, prompt,
        cacheSalt);
  }
}
