package dev.loadfuse.picker.request;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.openai.Api;
import dev.loadfuse.picker.openai.RequestBody;
import dev.loadfuse.picker.routing.RoutingObjects;
import dev.loadfuse.picker.routing.RewriteRule;
import dev.loadfuse.picker.routing.RoutingTable;
import dev.loadfuse.picker.scheduling.ControlHeader;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.Metadata;
import io.envoyproxy.envoy.service.ext_proc.v3.HttpHeaders;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The first stage of the request path: Envoy's request headers, subset hint and body chunks in, one
 * {@link ParsedRequest} (or a {@link PickerException}) out.
 *
 * <ul>
 *   <li>Headers: lower-case names, the {@code raw_value} else the {@code value}; {@code
 *       x-request-id} kept, or generated when absent or blank. The API is chosen by the first
 *       non-blank of {@code :path}, {@code x-original-path}, {@code x-forwarded-path}.
 *   <li>Subset hint: {@code envoy.lb.subset_hint/x-gateway-destination-endpoint-subset} in the
 *       metadata context, a list of strings or one comma-separated string.
 *   <li>Body: chunks are buffered up to {@code maxBodyBytes} (beyond: 413), then parsed for the API
 *       ({@link RequestBody}), the model rewritten (the header {@code x-gateway-model-name-rewrite},
 *       else the InferenceModelRewrite rules; the bytes are spliced, not re-serialised), and the
 *       priority read from the InferenceObjective named by {@code x-gateway-inference-objective}.
 *       One version of the routing objects serves the whole request.
 * </ul>
 *
 * <p>One per stream; confined to its thread.
 */
public final class RequestAssembler {

  public static final String SUBSET_NAMESPACE = "envoy.lb.subset_hint";
  public static final String SUBSET_KEY = "x-gateway-destination-endpoint-subset";
  private static final byte[] NO_BODY = new byte[0];

  private final int maxBodyBytes;
  private final RoutingTable routing;
  private final int promptChars;

  private boolean started;
  private Map<String, String> headers = Map.of();
  private String requestId;
  private String generatedRequestId;
  private Api api = Api.PASS_THROUGH;
  private final boolean parseBodies;
  private boolean subsetPresent;
  private List<String> subset = List.of();
  private final GrowableBytes body;

  /** As below, the body's bytes counted in no budget. */
  public RequestAssembler(int maxBodyBytes, RoutingTable routing, int promptChars) {
    this(maxBodyBytes, routing, promptChars, BufferBudget.UNLIMITED.account());
  }

  /**
   * @param maxBodyBytes larger request bodies are refused with 413
   * @param routing model rewrites and objective priorities in force
   * @param promptChars how many characters of the prompt the scheduler's plugins read (0: none)
   * @param account where the body buffer's capacity is counted (a body it cannot take is refused
   *     with 503); the finished body stays counted there until its owner releases it
   */
  public RequestAssembler(int maxBodyBytes, RoutingTable routing, int promptChars, BufferBudget.Account account) {
    this(maxBodyBytes, routing, promptChars, account, true);
  }

  /**
   * As above; with {@code parseBodies} false (the config's only parser is {@code
   * passthrough-parser}) every body is forwarded unread, whatever the path.
   */
  public RequestAssembler(int maxBodyBytes, RoutingTable routing, int promptChars, BufferBudget.Account account,
      boolean parseBodies) {
    this.maxBodyBytes = maxBodyBytes;
    this.routing = routing;
    this.promptChars = promptChars;
    this.body = new GrowableBytes(account, maxBodyBytes);
    this.parseBodies = parseBodies;
  }

  /** Takes the request headers. */
  public void headers(HttpHeaders h) {
    if (started) {
      throw new PickerException(PickerException.Code.BAD_REQUEST, "request headers received twice");
    }
    Map<String, String> map = new HashMap<>();
    for (HeaderValue hv : h.getHeaders().getHeadersList()) {
      map.put(hv.getKey().toLowerCase(Locale.ROOT), headerValue(hv));
    }
    start(map);
  }

  private void start(Map<String, String> map) {
    started = true;
    headers = map;
    requestId = headers.get("x-request-id");
    if (requestId == null || requestId.isBlank()) {
      requestId = UUID.randomUUID().toString();
      generatedRequestId = requestId;
    }
    api = parseBodies
        ? Api.ofPath(firstNonBlank(headers.get(":path"), headers.get("x-original-path"), headers.get("x-forwarded-path")))
        : Api.PASS_THROUGH;
  }

  /** Takes the subset hint, if {@code metadata} carries one. */
  public void metadata(Metadata metadata) {
    Struct hint = metadata.getFilterMetadataMap().get(SUBSET_NAMESPACE);
    if (hint == null || !hint.containsFields(SUBSET_KEY)) {
      return;
    }
    Value v = hint.getFieldsOrThrow(SUBSET_KEY);
    if (!v.hasListValue()) {
      return; // the reference reads a list only; anything else means no hint
    }
    List<String> out = new ArrayList<>();
    for (Value e : v.getListValue().getValuesList()) {
      if (e.hasStringValue() && !e.getStringValue().isBlank()) {
        out.add(e.getStringValue().trim());
      }
    }
    subsetPresent = true;
    subset = out;
  }

  /** Buffers one body chunk (a body without headers is a request without headers). */
  public void body(ByteString chunk) {
    if (!started) {
      start(Map.of());
    }
    if ((long) body.length() + chunk.size() > maxBodyBytes) {
      throw new PickerException(PickerException.Code.PAYLOAD_TOO_LARGE, "request body larger than " + maxBodyBytes + " bytes");
    }
    body.append(chunk);
  }

  /** The request headers by lower-case name (empty before they arrive). */
  public Map<String, String> headers() {
    return headers;
  }

  /** True once headers (or a body) arrived. */
  public boolean started() {
    return started;
  }

  /** The request's id once started, else null (for log lines). */
  public String requestId() {
    return requestId;
  }

  /** The request routed on its headers alone: no model, priority 0. */
  public ParsedRequest headerOnly() {
    return new ParsedRequest(requestId, generatedRequestId, headers, api, true, "", "", 0, fairnessId(), NO_BODY, 0,
        false, "", "", "", false, subsetPresent, subset);
  }

  /** The request with the body buffered so far, which is all of it. Hands the buffer over. */
  public ParsedRequest finish() {
    byte[] forward = body.array();
    int length = body.length();
    body.handOver(); // the answer wraps the array: never write into it again
    String model = "";
    String targetModel = "";
    String prompt = "";
    String cacheSalt = "";
    boolean stream = false;
    boolean rewritten = false;
    RewriteRule rule = null;
    RoutingObjects objects = routing.current(); // one version for the whole request
    if (api != Api.PASS_THROUGH) {
      RequestBody parsed = RequestBody.parse(api, forward, length, promptChars);
      model = parsed.model();
      prompt = parsed.prompt();
      cacheSalt = parsed.cacheSalt();
      stream = parsed.stream();
      // A rule matching the client's model beats the rewrite header, as in the reference.
      String header = ControlHeader.MODEL_NAME_REWRITE.valueIn(headers);
      rule = objects.rewrites().ruleFor(model);
      targetModel = rule != null || header == null || header.isBlank()
          ? objects.rewrites().rewrite(model, ThreadLocalRandom.current()) : header;
      if (!targetModel.equals(model)) {
        forward = parsed.withModel(forward, length, targetModel);
        length = forward.length;
        rewritten = true;
      }
    }
    int priority = objects.priority(ControlHeader.OBJECTIVE.valueIn(headers));
    return new ParsedRequest(requestId, generatedRequestId, headers, api, false, model, targetModel, priority,
        fairnessId(), forward, length, rewritten, prompt, cacheSalt, rule == null ? "" : rule.objectName(), stream,
        subsetPresent, subset);
  }

  private String fairnessId() {
    String id = ControlHeader.FAIRNESS_ID.valueIn(headers);
    return id == null || id.isEmpty() ? SchedulingRequest.DEFAULT_FAIRNESS_ID : id;
  }

  /** A header's {@code raw_value}, else its {@code value}. */
  static String headerValue(HeaderValue hv) {
    return hv.getRawValue().isEmpty() ? hv.getValue() : hv.getRawValue().toStringUtf8();
  }

  private static String firstNonBlank(String... values) {
    for (String v : values) {
      if (v != null && !v.isBlank()) {
        return v;
      }
    }
    return null;
  }
}
