package dev.loadfuse.picker.scheduling;

/**
 * Told of each decision after the picker has answered Envoy: the place for bookkeeping that must
 * follow a pick but must not delay it (e.g. the prefix-cache index learning where a prompt went).
 *
 * <p>Contract: called once per successful decision, on the thread that made it, after the routing
 * answer was sent; never for a decision that failed. Called concurrently from event-loop threads;
 * must not block. An exception is logged and does not affect the request.
 */
public interface PreRequest extends Plugin {

  void preRequest(SchedulingCycle cycle, SchedulingResult result);
}
