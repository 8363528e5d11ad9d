package dev.loadfuse.picker.flowcontrol;

import dev.loadfuse.picker.scheduling.SchedulingRequest;

/**
 * What the {@link FlowController} reports, for metrics. Called under the controller's lock: must be
 * quick and must not call back into the controller.
 */
public interface FlowEvents {

  /** Reports nothing. */
  FlowEvents NONE = new FlowEvents() {};

  /** {@code r} joined ({@code +1}) or left ({@code -1}) its queue, with its body bytes. */
  default void queueChanged(SchedulingRequest r, int requests, long bytes) {}

  /** {@code r}'s stay ended: how, and how long it waited (0 when it never queued). */
  default void finished(SchedulingRequest r, Outcome outcome, long waitedMillis) {}

  /**
   * {@code r}'s arrival was handled in {@code nanos}: let on or refused at once ({@code outcome}), or
   * queued ({@code outcome} null, not yet finalized).
   */
  default void enqueued(SchedulingRequest r, Outcome outcome, long nanos) {}

  /** One dispatch cycle (read the pool, choose the next request or none) took {@code nanos}. */
  default void dispatchCycle(long nanos) {}

  /** A dispatch cycle read the pool's saturation; {@code stale}: judged from in-flight counts. */
  default void saturation(double value, boolean stale) {}
}
