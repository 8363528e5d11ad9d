package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.candidate.EndpointView;

/**
 * Rates how well each candidate suits the request.
 *
 * <p>Contract: writes {@code scores[i]} for every {@code i} in {@code [0, count)}, in [0, 1],
 * higher is better. The profile clamps values outside [0, 1] and counts NaN as 0, multiplies by
 * the scorer's weight and sums over scorers. {@code scores} may hold garbage on entry. Called
 * concurrently from event-loop threads; must not block or allocate per candidate.
 */
public interface Scorer extends Plugin {

  void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores);
}
