package dev.loadfuse.picker.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * The value a request's model name takes as a metric label: a bounded set, as a client chooses the
 * name. A name is its own label when the picker knows it (named by an InferenceModelRewrite or an
 * InferenceObjective in force) or is among the first {@code maxRecent} other names seen; any other
 * name, and any name longer than {@value #MAX_NAME_CHARS} characters, is {@value #OTHER}. (As the
 * llm-d router caps its label sets with an "other" value.) The meters of a label live as long as
 * the picker, so the cap bounds their memory and the size of {@code /metrics}.
 *
 * <p>Thread-safe.
 */
public final class ModelLabels {

  /** Names admitted besides the known ones. */
  public static final int DEFAULT_MAX_RECENT = 1_000;
  /** Longer names are {@link #OTHER}. */
  public static final int MAX_NAME_CHARS = 256;
  /** The label of every name not admitted. */
  public static final String OTHER = "other";

  private final int maxRecent;
  private final Set<String> recent = ConcurrentHashMap.newKeySet();
  private final AtomicInteger admitted = new AtomicInteger();
  private volatile Predicate<String> known = name -> false;

  public ModelLabels() {
    this(DEFAULT_MAX_RECENT);
  }

  public ModelLabels(int maxRecent) {
    this.maxRecent = maxRecent;
  }

  /** Which names the picker knows (read on every call: the routing objects in force). */
  public void known(Predicate<String> known) {
    this.known = known;
  }

  /** The label of {@code model}; "" stays "" (a request without a model). */
  /** True when the routing objects name {@code model}. */
  public boolean isKnown(String model) {
    return model != null && known.test(model);
  }

  public String of(String model) {
    if (model == null || model.isEmpty()) {
      return "";
    }
    if (model.length() > MAX_NAME_CHARS) {
      return OTHER;
    }
    if (recent.contains(model) || known.test(model)) {
      return model;
    }
    if (admitted.incrementAndGet() <= maxRecent) {
      if (!recent.add(model)) {
        admitted.decrementAndGet(); // another thread admitted it meanwhile
      }
      return model;
    }
    admitted.decrementAndGet();
    return OTHER;
  }
}
