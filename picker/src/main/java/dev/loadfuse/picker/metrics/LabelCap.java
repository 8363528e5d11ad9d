package dev.loadfuse.picker.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Bounds the distinct values of one metric label, as the llm-d router does for {@code model_name},
 * {@code target_model_name} and {@code fairness_id}: the first {@link #LIMIT} values seen are kept,
 * later ones are reported as {@code other}; the empty value is always kept. Thread-safe; a value
 * already admitted costs one set lookup.
 */
public final class LabelCap {

  /** Distinct values per label before new ones become {@link #OTHER} (the router's bound). */
  public static final int LIMIT = 1000;
  public static final String OTHER = "other";

  private final Set<String> admitted = ConcurrentHashMap.newKeySet();
  private final int limit;

  public LabelCap() {
    this(LIMIT);
  }

  LabelCap(int limit) {
    this.limit = limit;
  }

  /** {@code value}, or {@link #OTHER} once {@link #LIMIT} other values are in use. */
  public String of(String value) {
    if (value == null || value.isEmpty()) {
      return "";
    }
    if (admitted.contains(value)) {
      return value;
    }
    synchronized (admitted) {
      if (admitted.size() < limit) {
        admitted.add(value);
        return value;
      }
    }
    return OTHER;
  }
}
