package dev.loadfuse.engine.kvevents;

import java.util.List;

/**
 * One decoded payload ({@code EventBatch}).
 *
 * @param timestampSeconds the publisher's wall clock (float seconds)
 * @param events the events in engine order
 * @param dataParallelRank the publishing DP rank, or -1 when the batch does not say
 */
public record KvEventBatch(double timestampSeconds, List<KvEvent> events, int dataParallelRank) {
  public KvEventBatch {
    events = List.copyOf(events);
  }
}
