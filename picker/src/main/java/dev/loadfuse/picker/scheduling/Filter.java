package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.candidate.EndpointView;

/**
 * Removes candidates that must not serve the request.
 *
 * <p>Contract: looks at {@code candidates[0..count)}, moves the ones that pass to the front in
 * their original order, and returns how many passed (0..count). It may overwrite the slots after
 * the returned count. A profile whose filters leave no candidate fails the request with 429.
 * Called concurrently from event-loop threads; must not block or allocate per candidate.
 */
public interface Filter extends Plugin {

  int filter(SchedulingCycle cycle, EndpointView[] candidates, int count);
}
