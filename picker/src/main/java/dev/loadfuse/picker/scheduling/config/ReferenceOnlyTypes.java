package dev.loadfuse.picker.scheduling.config;

import java.util.Map;
import java.util.Set;

/**
 * Plugin types of the reference (GIE v1.5, llm-d router v0.10) that loadfuse does not implement.
 * A config naming one is refused with a message saying so, never loaded with the plugin silently
 * left out.
 */
final class ReferenceOnlyTypes {

  static final Set<String> DISAGGREGATION = Set.of(
      "disagg-profile-handler", "pd-profile-handler",
      "disagg-headers-handler", "prefill-header-handler", "prefix-based-pd-decider", "always-disagg-pd-decider",
      "always-disagg-multimodal-decider", "p2p-source-producer", "data-parallel-profile-handler");

  static final Set<String> LATENCY_PREDICTOR = Set.of(
      "latency-scorer", "slo-headroom-tier-filter", "predicted-latency-producer", "predicted-latency-scorer",
      "latency-slo-admitter");

  static final Set<String> PARSERS = Set.of(
      "vllmgrpc-parser", "anthropic-parser", "vllmhttp-parser", "vertexai-parser");

  static final Set<String> OTHER = Set.of(
      "request-attribute-reporter",
      "session-affinity-filter", "session-affinity-scorer",
      "endpoint-attribute-filter", "endpoint-attribute-scorer", "topology-affinity-filter",
      "topology-affinity-scorer", "utilization-filter",
      "header-label-affinity-scorer", "no-hit-lru-scorer", "active-request-scorer", "precise-prefix-cache-scorer",
      "precise-prefix-cache-producer", "mm-embeddings-cache-scorer", "mm-embeddings-cache-producer",
      "multicluster-queue-scorer", "multicluster-kv-cache-utilization-scorer", "multicluster-prefix-cache-scorer",
      "multicluster-session-affinity-filter", "multicluster-approx-prefix-cache-producer", "header-profile-handler",
      "program-aware-fairness", "priority-holdback-policy", "soft-reflective-ceiling-policy",
      "sheddable-eviction-filter", "priority-then-time-eviction-order-policy", "probabilistic-admitter",
      "token-producer", "tokenizer", "session-id-producer", "burst-prefix-cache-producer",
      "disaggregatedset-rollout-screener", "agent-identity", "models-data-source", "models-data-extractor",
      "dcgm-data-source", "dcgm-extractor", "topology-extractor", "file-discovery", "multicluster-file-discovery",
      "multicluster-metrics-data-source", "multicluster-metrics-extractor");

  private static final Map<String, String> PARSER_REASONS = Map.of(
      "vllmgrpc-parser", "it reads vLLM's gRPC Generate requests (protobuf in gRPC frames), and loadfuse reads"
          + " HTTP/JSON (OpenAI API) bodies only; serve vLLM over HTTP and use openai-parser",
      "anthropic-parser", "loadfuse parses OpenAI-style bodies only (openai-parser, passthrough-parser)",
      "vllmhttp-parser", "loadfuse parses OpenAI-style bodies only (openai-parser, passthrough-parser)",
      "vertexai-parser", "loadfuse parses OpenAI-style bodies only (openai-parser, passthrough-parser)");

  private ReferenceOnlyTypes() {}

  /** Why {@code type} is refused, or null when it is not a reference type loadfuse lacks. */
  static String refusal(String type) {
    String quoted = "\"" + type + "\"";
    if (DISAGGREGATION.contains(type)) {
      return quoted + " is a prefill/decode (P/D) or data-parallel disaggregation plugin of the reference;"
          + " loadfuse does not implement disaggregated serving, so the config is refused rather than run without it";
    }
    if (LATENCY_PREDICTOR.contains(type)) {
      return quoted + " needs the reference's latency predictor (trained TTFT/TPOT models);"
          + " loadfuse does not implement it, so the config is refused rather than run without it";
    }
    if (PARSERS.contains(type)) {
      return quoted + " is a parser of the reference that loadfuse does not implement: " + PARSER_REASONS.get(type);
    }
    if (OTHER.contains(type)) {
      return quoted + " is a plugin of the reference that loadfuse does not implement yet;"
          + " the config is refused rather than run without it";
    }
    return null;
  }
}
