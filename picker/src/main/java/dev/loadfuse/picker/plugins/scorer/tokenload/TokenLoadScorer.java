package dev.loadfuse.picker.plugins.scorer.tokenload;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.scorer.ThresholdScorer;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * {@code token-load-scorer} (GIE v1.5, llm-d router v0.10): prefers endpoints with few estimated
 * tokens in flight: {@code 1 − min(tokens, queueThresholdTokens) / queueThresholdTokens}. The tokens
 * are the picker's own count ({@link EndpointView#inFlightTokens}: the estimated prompt tokens of the
 * requests it sent there and has not seen finish), so no {@code inflight-load-producer} is needed.
 */
public final class TokenLoadScorer extends ThresholdScorer {

  public static final String TYPE = "token-load-scorer";
  /** The reference's default: 128 requests of 32K tokens. */
  public static final int DEFAULT_QUEUE_THRESHOLD_TOKENS = 4_194_304;

  public TokenLoadScorer(String name, int queueThresholdTokens) {
    super(TYPE, name, queueThresholdTokens, 1);
  }

  public static TokenLoadScorer create(String name, Parameters p) {
    // The router's choice among several in-flight producers; loadfuse has one count.
    p.string("inFlightLoadProducerName", "");
    return new TokenLoadScorer(name, threshold(p, "queueThresholdTokens", DEFAULT_QUEUE_THRESHOLD_TOKENS));
  }

  @Override
  protected double load(EndpointView endpoint) {
    return endpoint.inFlightTokens();
  }
}
