package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.candidate.EndpointView;

/**
 * Chooses the endpoint(s) from the scored candidates: the primary first, then fallbacks.
 *
 * <p>Contract: {@code totalScores[i]} is the weighted score sum of {@code candidates[i]} (>= 0).
 * Writes the indexes of the chosen candidates into {@code chosen} (capacity {@code count}),
 * primary first, without duplicates, and returns how many it chose (>= 1 when {@code count >= 1}).
 * Called concurrently from event-loop threads; randomness comes from {@link
 * SchedulingCycle#random()}.
 */
public interface Picker extends Plugin {

  int pick(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] totalScores, int[] chosen);
}
