package dev.loadfuse.picker.plugins.filter.labelselector;

import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code label-selector-filter} (the llm-d router's; {@code by-label-selector} is its deprecated
 * name): keeps endpoints whose pod labels match a Kubernetes label selector, given as the
 * parameters: {@code matchLabels} (label → value, all must match) and {@code matchExpressions}
 * ({@code {key, operator, values}} with operator {@code In}, {@code NotIn} (values required) or
 * {@code Exists}, {@code DoesNotExist} (no values)). An empty selector keeps every endpoint, as in
 * Kubernetes.
 */
public final class LabelSelectorFilter implements Filter {

  public static final String TYPE = "label-selector-filter";
  public static final String DEPRECATED_TYPE = "by-label-selector";

  /** One requirement of the selector. */
  record Requirement(String key, String operator, Set<String> values) {

    boolean matches(Map<String, String> labels) {
      String v = labels.get(key);
      return switch (operator) {
        case "In" -> v != null && values.contains(v);
        case "NotIn" -> v == null || !values.contains(v);
        case "Exists" -> v != null;
        default -> v == null; // DoesNotExist
      };
    }
  }

  private final TypedName typedName;
  private final Requirement[] requirements;

  LabelSelectorFilter(TypedName typedName, List<Requirement> requirements) {
    this.typedName = typedName;
    this.requirements = requirements.toArray(new Requirement[0]);
  }

  public static LabelSelectorFilter create(String type, String name, Parameters p) {
    List<Requirement> out = new ArrayList<>();
    Map<String, Object> all = p.asMap();
    for (String key : all.keySet()) {
      if (!key.equals("matchLabels") && !key.equals("matchExpressions")) {
        p.warn(p.path() + ": unknown key \"" + key + "\" (known: matchLabels, matchExpressions); ignored");
      }
    }
    if (all.get("matchLabels") instanceof Map<?, ?> labels) {
      for (Map.Entry<?, ?> e : new LinkedHashMap<>(labels).entrySet()) {
        if (!(e.getValue() instanceof String v)) {
          throw ConfigException.at(p.path("matchLabels") + "." + e.getKey(), e.getValue() + " (expected: a string)");
        }
        out.add(new Requirement(String.valueOf(e.getKey()), "In", Set.of(v)));
      }
    } else if (all.get("matchLabels") != null) {
      throw ConfigException.at(p.path("matchLabels"), "expected a map of label to value");
    }
    Object exprs = all.get("matchExpressions");
    if (exprs != null && !(exprs instanceof List<?>)) {
      throw ConfigException.at(p.path("matchExpressions"), "expected a list of {key, operator, values}");
    }
    List<?> list = exprs == null ? List.of() : (List<?>) exprs;
    for (int i = 0; i < list.size(); i++) {
      String path = p.path("matchExpressions") + "[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> m) || !(m.get("key") instanceof String key) || key.isBlank()) {
        throw ConfigException.at(path, "expected a map with key, operator and values");
      }
      Object op = m.get("operator");
      List<String> values = new ArrayList<>();
      if (m.get("values") instanceof List<?> vs) {
        for (Object v : vs) {
          values.add(String.valueOf(v));
        }
      } else if (m.get("values") != null) {
        throw ConfigException.at(path + ".values", "expected a list of strings");
      }
      if ("In".equals(op) || "NotIn".equals(op)) {
        if (values.isEmpty()) {
          throw ConfigException.at(path + ".values", "empty (expected: at least one value for " + op + ")");
        }
      } else if ("Exists".equals(op) || "DoesNotExist".equals(op)) {
        if (!values.isEmpty()) {
          throw ConfigException.at(path + ".values", "must be empty for " + op);
        }
      } else {
        throw ConfigException.at(path + ".operator", (op == null ? "missing" : "\"" + op + "\"")
            + " (expected: In, NotIn, Exists or DoesNotExist)");
      }
      out.add(new Requirement(key, (String) op, Set.copyOf(values)));
    }
    return new LabelSelectorFilter(new TypedName(type, name), out);
  }

  @Override
  public TypedName typedName() {
    return typedName;
  }

  @Override
  public int filter(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    int kept = 0;
    for (int i = 0; i < count; i++) {
      Map<String, String> labels = candidates[i].labels();
      boolean ok = true;
      for (Requirement r : requirements) {
        if (!r.matches(labels)) {
          ok = false;
          break;
        }
      }
      if (ok) {
        candidates[kept++] = candidates[i];
      }
    }
    return kept;
  }
}
