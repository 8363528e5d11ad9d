package dev.loadfuse.picker.plugins.scorer.contextlength;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.Scorer;
import dev.loadfuse.picker.scheduling.config.Parameters;

/**
 * {@code context-length-aware} (llm-d router v0.10): matches the request's context length (its
 * estimated prompt tokens, {@code SchedulingRequest.estimatedInputTokens}) to the range each pod
 * declares in its label {@code label} as {@code "min-max"}.
 *
 * <p>Score: a pod without the label 0.5; a malformed label 0; inside the range {@code 0.3 + 0.7 ×
 * (0.7 × 1 / (1 + width / 10000) + 0.3 × (max − length) / width)} (1 for a one-value range), so
 * tighter ranges and more headroom score higher, always above 0.3; outside it {@code 0.3 / (1 +
 * distance / 1000)}, nearer ranges higher, always below 0.3. As a filter, with {@code
 * enableFiltering: true}, it keeps unlabelled pods and pods whose range holds the length; otherwise
 * it keeps every pod.
 */
public final class ContextLengthAware extends NamedPlugin implements Filter, Scorer {

  public static final String TYPE = "context-length-aware";
  public static final String DEFAULT_LABEL = "llm-d.ai/context-length-range";
  static final double UNLABELLED = 0.5;
  static final double MAX_FALLBACK = 0.3;

  private final String label;
  private final boolean enableFiltering;

  public ContextLengthAware(String name, String label, boolean enableFiltering) {
    super(TYPE, name);
    if (label == null || label.isEmpty()) {
      throw new IllegalArgumentException("label: missing");
    }
    this.label = label;
    this.enableFiltering = enableFiltering;
  }

  public static ContextLengthAware create(String name, Parameters p) {
    String label = p.string("label", DEFAULT_LABEL);
    if (label.isEmpty()) {
      throw new IllegalArgumentException("label: empty (expected: a pod label key)");
    }
    return new ContextLengthAware(name, label, p.bool("enableFiltering", false));
  }

  @Override
  public int filter(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    if (!enableFiltering) {
      return count;
    }
    long length = cycle.request().estimatedInputTokens();
    int kept = 0;
    for (int i = 0; i < count; i++) {
      String range = candidates[i].labels().get(label);
      if (range == null || score(range, length) > MAX_FALLBACK) {
        candidates[kept++] = candidates[i];
      }
    }
    return kept;
  }

  @Override
  public void score(SchedulingCycle cycle, EndpointView[] candidates, int count, double[] scores) {
    long length = cycle.request().estimatedInputTokens();
    for (int i = 0; i < count; i++) {
      String range = candidates[i].labels().get(label);
      scores[i] = range == null ? UNLABELLED : score(range, length);
    }
  }

  /** The score of a pod labelled {@code range} for a request of {@code length} tokens; 0 when malformed. */
  static double score(String range, long length) {
    int dash = range.indexOf('-');
    if (dash < 0 || range.indexOf('-', dash + 1) >= 0) {
      return 0;
    }
    long min = parse(range, 0, dash);
    long max = parse(range, dash + 1, range.length());
    if (min < 0 || max < 0 || min > max) {
      return 0;
    }
    if (length >= min && length <= max) {
      long width = max - min;
      if (width == 0) {
        return 1;
      }
      double tightness = 1 / (1 + width / 10_000.0);
      double headroom = (double) (max - length) / width;
      return MAX_FALLBACK + (0.7 * tightness + 0.3 * headroom) * (1 - MAX_FALLBACK);
    }
    long distance = length > max ? length - max : min - length;
    return MAX_FALLBACK / (1 + distance / 1_000.0);
  }

  /** The decimal number in {@code s[from, to)} (blanks around it allowed); -1 when there is none. */
  private static long parse(String s, int from, int to) {
    while (from < to && s.charAt(from) == ' ') {
      from++;
    }
    while (to > from && s.charAt(to - 1) == ' ') {
      to--;
    }
    if (from == to || to - from > 18) {
      return -1;
    }
    long v = 0;
    for (int i = from; i < to; i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      v = v * 10 + (c - '0');
    }
    return v;
  }
}
