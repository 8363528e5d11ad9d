package dev.loadfuse.picker.scheduling;

import java.util.List;
import java.util.Map;

/**
 * A request header that steers the picker, under the llm-d router's name and the older name GIE
 * v1.5 uses (the router's deprecated alias). Both are read, the router's first, as the router reads
 * them; a GIE client's headers work unchanged.
 *
 * @param headerName the router's name
 * @param alias the older name (GIE v1.5's; deprecated in the router)
 */
public record ControlHeader(String headerName, String alias) {

  public static final ControlHeader FAIRNESS_ID =
      new ControlHeader("x-llm-d-inference-fairness-id", "x-gateway-inference-fairness-id");
  public static final ControlHeader OBJECTIVE =
      new ControlHeader("x-llm-d-inference-objective", "x-gateway-inference-objective");
  public static final ControlHeader MODEL_NAME_REWRITE =
      new ControlHeader("x-llm-d-model-name-rewrite", "x-gateway-model-name-rewrite");
  public static final ControlHeader SLO_TTFT_MS = new ControlHeader("x-llm-d-slo-ttft-ms", "x-slo-ttft-ms");
  public static final ControlHeader SLO_TPOT_MS = new ControlHeader("x-llm-d-slo-tpot-ms", "x-slo-tpot-ms");

  /**
   * Every header taken out of the request before it goes to the model server (they are the
   * picker's business, not the engine's): the control headers under both names, the subset hint and
   * served-endpoint headers, the router's video hints, and the dropped-reason header a client could
   * forge. The union of what GIE v1.5 and the router strip.
   */
  public static final List<String> STRIPPED = List.of(
      FAIRNESS_ID.headerName, FAIRNESS_ID.alias, OBJECTIVE.headerName, OBJECTIVE.alias,
      MODEL_NAME_REWRITE.headerName, MODEL_NAME_REWRITE.alias, SLO_TTFT_MS.headerName, SLO_TTFT_MS.alias,
      SLO_TPOT_MS.headerName, SLO_TPOT_MS.alias,
      "x-gateway-destination-endpoint-subset", "x-gateway-destination-endpoint-served",
      "x-llm-d-video-fps", "x-llm-d-video-duration-seconds", "x-llm-d-video-resolution",
      "x-llm-d-request-dropped-reason");

  /** The value in {@code headers} (lower-case names): under the router's name, else the alias; null when neither. */
  public String valueIn(Map<String, String> headers) {
    String v = headers.get(headerName);
    return v != null ? v : headers.get(alias);
  }
}
