package dev.loadfuse.picker.plugins.filter.bylabel;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.util.List;
import java.util.Set;

/**
 * {@code by-label}: keeps endpoints whose pod label {@code label} has one of {@code validValues};
 * endpoints without the label pass only when {@code allowsNoLabel} is true. Labels come from the
 * endpoints file (local mode) or the pod; endpoints known only from remote vectors have none.
 */
public final class ByLabelFilter extends NamedPlugin implements Filter {

  public static final String TYPE = "by-label";

  private final String label;
  private final Set<String> validValues;
  private final boolean allowsNoLabel;

  public ByLabelFilter(String name, String label, List<String> validValues, boolean allowsNoLabel) {
    this(TYPE, name, label, validValues, allowsNoLabel);
  }

  /** The same filter under another type name (the router's role filters). */
  public ByLabelFilter(String type, String name, String label, List<String> validValues, boolean allowsNoLabel) {
    super(type, name);
    if (label == null || label.isBlank()) {
      throw new IllegalArgumentException("label: missing");
    }
    this.label = label;
    this.validValues = Set.copyOf(validValues);
    this.allowsNoLabel = allowsNoLabel;
  }

  public static ByLabelFilter create(String name, Parameters parameters) {
    String label = parameters.requiredString("label");
    List<String> values = parameters.strings("validValues");
    boolean allowsNoLabel = parameters.bool("allowsNoLabel", false);
    if (values.isEmpty() && !allowsNoLabel) {
      throw ConfigException.at(parameters.path("validValues"), "empty while allowsNoLabel is false (would drop every endpoint)");
    }
    return new ByLabelFilter(name, label, values, allowsNoLabel);
  }

  @Override
  public int filter(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    int kept = 0;
    for (int i = 0; i < count; i++) {
      String v = candidates[i].labels().get(label);
      if (v == null ? allowsNoLabel : validValues.contains(v)) {
        candidates[kept++] = candidates[i];
      }
    }
    return kept;
  }
}
