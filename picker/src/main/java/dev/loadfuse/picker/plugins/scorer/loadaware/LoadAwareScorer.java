package dev.loadfuse.picker.plugins.scorer.loadaware;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.scorer.ThresholdScorer;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * {@code load-aware-scorer} (llm-d router v0.10): 0.5 for an endpoint with an empty queue, falling
 * linearly to 0 at {@code threshold} queued requests: {@code 0.5 × (1 − min(q, threshold) /
 * threshold)}. The queue is {@link EndpointView#queueDepth} (the engine's waiting count plus the
 * picker's picks not yet in it), as for {@code queue-scorer}.
 */
public final class LoadAwareScorer extends ThresholdScorer {

  public static final String TYPE = "load-aware-scorer";
  public static final int DEFAULT_THRESHOLD = 128;
  /** The score of an idle endpoint: the reference keeps the upper half for spare capacity it cannot see yet. */
  public static final double IDLE_SCORE = 0.5;

  public LoadAwareScorer(String name, int threshold) {
    super(TYPE, name, threshold, IDLE_SCORE);
  }

  public static LoadAwareScorer create(String name, Parameters p) {
    return new LoadAwareScorer(name, threshold(p, "threshold", DEFAULT_THRESHOLD));
  }

  @Override
  protected double load(EndpointView endpoint) {
    return endpoint.queueDepth();
  }
}
