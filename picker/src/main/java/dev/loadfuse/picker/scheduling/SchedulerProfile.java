package dev.loadfuse.picker.scheduling;

import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.candidate.EndpointView;
import java.util.Arrays;
import java.util.List;

/**
 * A profile ready to run: filters in order, then every scorer (each score clamped to [0, 1], times
 * its weight, summed), then the picker. Plugins are held in arrays and their timers resolved up
 * front, so a decision allocates only a few arrays of the candidate count.
 *
 * <p>Immutable and thread-safe.
 */
public final class SchedulerProfile {

  private final String name;
  private final Filter[] filters;
  private final SchedulerObserver.Recorder[] filterTimers;
  private final Scorer[] scorers;
  private final double[] weights;
  private final SchedulerObserver.Recorder[] scorerTimers;
  private final Picker picker;
  private final SchedulerObserver.Recorder pickerTimer;

  public SchedulerProfile(ProfileSpec spec, SchedulerObserver observer) {
    this.name = spec.name();
    this.filters = spec.filters().toArray(new Filter[0]);
    this.filterTimers = new SchedulerObserver.Recorder[filters.length];
    for (int i = 0; i < filters.length; i++) {
      filterTimers[i] = observer.plugin("Filter", filters[i].typedName());
    }
    int n = spec.scorers().size();
    this.scorers = new Scorer[n];
    this.weights = new double[n];
    this.scorerTimers = new SchedulerObserver.Recorder[n];
    for (int i = 0; i < n; i++) {
      scorers[i] = spec.scorers().get(i).scorer();
      weights[i] = spec.scorers().get(i).weight();
      scorerTimers[i] = observer.plugin("Scorer", scorers[i].typedName());
    }
    this.picker = spec.picker();
    this.pickerTimer = observer.plugin("Picker", picker.typedName());
  }

  public String name() {
    return name;
  }

  /**
   * Runs the profile over {@code candidates[0..count)} (not modified).
   *
   * @throws PickerException {@code ResourceExhausted} when no candidate is left
   */
  public ProfileResult run(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    if (count == 0) {
      throw new PickerException(PickerException.Code.RESOURCE_EXHAUSTED,
          "failed to find a target endpoint: no candidate endpoints (profile " + name + ")");
    }
    EndpointView[] c = Arrays.copyOf(candidates, count);
    int n = count;
    DecisionTrace trace = cycle.trace();
    for (int f = 0; f < filters.length; f++) {
      DecisionTrace.Step step = trace == null ? null : trace.step("Filter", filters[f].typedName(), n);
      long t0 = System.nanoTime();
      n = filters[f].filter(cycle, c, n);
      filterTimers[f].record(System.nanoTime() - t0);
      if (step != null) {
        step.end(Math.max(n, 0));
      }
      if (n <= 0) {
        throw new PickerException(PickerException.Code.RESOURCE_EXHAUSTED,
            "failed to find a target endpoint: filter " + filters[f].typedName()
                + " left no endpoint (profile " + name + ")");
      }
    }
    double[] total = new double[n];
    if (scorers.length > 0) {
      double[] s = new double[n];
      for (int k = 0; k < scorers.length; k++) {
        DecisionTrace.Step step = trace == null ? null : trace.step("Scorer", scorers[k].typedName(), n);
        long t0 = System.nanoTime();
        scorers[k].score(cycle, c, n, s);
        scorerTimers[k].record(System.nanoTime() - t0);
        if (step != null) {
          step.end(n);
        }
        double w = weights[k];
        for (int i = 0; i < n; i++) {
          double v = s[i];
          // Clamp; NaN fails both comparisons and counts as 0.
          v = v >= 1 ? 1 : (v > 0 ? v : 0);
          total[i] += w * v;
        }
      }
    }
    int[] chosen = new int[n];
    DecisionTrace.Step step = trace == null ? null : trace.step("Picker", picker.typedName(), n);
    long t0 = System.nanoTime();
    int k = picker.pick(cycle, c, n, total, chosen);
    pickerTimer.record(System.nanoTime() - t0);
    if (step != null) {
      step.end(Math.max(k, 0));
    }
    if (k <= 0) {
      throw new PickerException(PickerException.Code.RESOURCE_EXHAUSTED,
          "failed to find a target endpoint: picker " + picker.typedName() + " chose none (profile " + name + ")");
    }
    Scores scores = scorers.length > 0 ? new Scores(c, total, n) : Scores.NONE;
    if (k == 1) {
      return new ProfileResult(name, List.of(c[chosen[0]]), scores);
    }
    EndpointView[] targets = new EndpointView[k];
    for (int i = 0; i < k; i++) {
      targets[i] = c[chosen[i]];
    }
    return new ProfileResult(name, List.of(targets), scores);
  }

}
