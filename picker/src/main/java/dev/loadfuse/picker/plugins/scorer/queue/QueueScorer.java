package dev.loadfuse.picker.plugins.scorer.queue;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.plugins.scorer.MinMax;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;

/**
 * {@code queue-scorer}: prefers short queues. The queue of an endpoint is the engine's waiting
 * count plus the picker's picks not yet reflected in it ({@link EndpointView#queueDepth}); score
 * {@code (maxQ - q) / (maxQ - minQ)} over the candidates, 1 for all when every queue is equal.
 * No parameters.
 */
public final class QueueScorer extends NamedPlugin implements Scorer {

  public static final String TYPE = "queue-scorer";

  public QueueScorer(String name) {
    super(TYPE, name);
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    for (int i = 0; i < count; i++) {
      scores[i] = candidates[i].queueDepth();
    }
    MinMax.lowerIsBetter(scores, count);
  }
}
