package dev.loadfuse.picker.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsReader;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads the routing objects of local mode ({@code --objects-file}): the same YAML as the Kubernetes
 * objects, several documents in one file.
 *
 * <pre>{@code
 * apiVersion: inference.networking.x-k8s.io/v1alpha2
 * kind: InferenceObjective
 * metadata: {name: critical}
 * spec: {priority: 10, poolRef: {name: local-pool}}
 * ---
 * apiVersion: inference.networking.x-k8s.io/v1alpha2
 * kind: InferenceModelRewrite
 * metadata: {name: canary}
 * spec:
 *   poolRef: {name: local-pool}
 *   rules:
 *   - matches: [{model: {type: Exact, value: food-review}}]   # no matches = every model
 *     targets:
 *     - {modelRewrite: food-review-v1, weight: 90}
 *     - {modelRewrite: food-review-v2, weight: 10}
 * }</pre>
 *
 * <p>Strict (the settings reader, {@link SettingsReader}): unknown kinds, duplicate keys and unknown
 * keys in {@code spec} are errors naming the document and the path ({@code o.yaml: document 2
 * (InferenceObjective critical): spec: unknown key "prio" (known: priority, poolRef)}); {@code metadata} other than {@code name} and {@code creationTimestamp} and any {@code
 * status} are ignored. Weights are 1..1,000,000, set on all targets of a rule or on none (equal
 * weights). Rewrites are ordered by {@code metadata.creationTimestamp} (older first) when given,
 * else by their place in the file. When {@code poolName} is given, objects whose {@code
 * spec.poolRef.name} names another pool are skipped.
 */
public final class ObjectsFile {

  public static final String API_VERSION = "inference.networking.x-k8s.io/v1alpha2";
  public static final String OBJECTIVE = "InferenceObjective";
  public static final String REWRITE = "InferenceModelRewrite";

  private ObjectsFile() {}

  public static RoutingObjects load(Path file, String poolName) {
    String text;
    try {
      text = SettingsReader.strict().readText(file);
    } catch (SettingsException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    return parse(text, file.toString(), poolName);
  }

  /**
   * @param poolName only objects of this pool apply; null for all
   * @throws ConfigException starting with {@code source}
   */
  public static RoutingObjects parse(String text, String source, String poolName) {
    List<JsonNode> docs = new ArrayList<>();
    try {
      for (SettingsNode doc : SettingsReader.strict().parseAll(source, text)) {
        docs.add(doc.raw());
      }
    } catch (SettingsException e) {
      throw new ConfigException(e.getMessage(), e);
    }
    List<String> where = new ArrayList<>();
    for (int d = 0; d < docs.size(); d++) {
      where.add(source + ": document " + (d + 1));
    }
    return fromObjects(docs, where, poolName, null);
  }

  /**
   * Builds the routing objects from already-read objects (YAML documents, or Kubernetes objects
   * turned into JSON trees), in their order: rewrites without {@code creationTimestamp} keep it.
   *
   * @param where one label per object for error messages ({@code file: document 2})
   * @param poolName only objects of this pool apply; null for all
   * @param onBadObject receives the error of an invalid object, which is then left out; null to
   *     throw it instead (a file is all or nothing, the API server's objects are each on their own)
   * @throws ConfigException naming the object and the path, when {@code onBadObject} is null
   */
  public static RoutingObjects fromObjects(List<JsonNode> docs, List<String> where, String poolName,
      Consumer<ConfigException> onBadObject) {
    Map<String, Integer> priorities = new LinkedHashMap<>();
    List<Rewrite> rewrites = new ArrayList<>();
    Set<String> rewriteNames = new HashSet<>();
    for (int d = 0; d < docs.size(); d++) {
      try {
        readObject(docs.get(d), d, where.get(d), poolName, priorities, rewrites, rewriteNames);
      } catch (ConfigException e) {
        if (onBadObject == null) {
          throw e;
        }
        onBadObject.accept(e);
      }
    }
    // Older resources first; without timestamps the given order stands.
    rewrites.sort(Comparator.comparing((Rewrite r) -> r.created.isEmpty() ? "~" : r.created).thenComparingInt(r -> r.index));
    List<RewriteRule> ordered = new ArrayList<>();
    rewrites.forEach(r -> ordered.addAll(r.rules));
    return new RoutingObjects(new ModelRewrites(ordered), priorities);
  }

  private static void readObject(JsonNode doc, int d, String where, String poolName, Map<String, Integer> priorities,
      List<Rewrite> rewrites, Set<String> rewriteNames) {
    try {
      if (!doc.isObject()) {
        throw ConfigException.at("(document)", "expected a map with apiVersion and kind");
      }
      keys(doc, "", List.of("apiVersion", "kind", "metadata", "spec", "status"));
      String kind = text(doc, "kind", true);
      String name = text(doc.path("metadata"), "metadata.name", "name", true);
      where += " (" + kind + " " + name + ")";
      String api = text(doc, "apiVersion", true);
      if (!API_VERSION.equals(api)) {
        throw ConfigException.at("apiVersion", "\"" + api + "\" (expected: " + API_VERSION + ")");
      }
      JsonNode spec = doc.path("spec");
      if (!spec.isObject()) {
        throw ConfigException.at("spec", "missing");
      }
      switch (kind) {
        case OBJECTIVE -> {
          keys(spec, "spec.", List.of("priority", "poolRef"));
          if (!inPool(spec, poolName)) {
            return;
          }
          JsonNode p = spec.get("priority");
          int priority = 0;
          if (p != null && !p.isNull()) {
            if (!p.isIntegralNumber() || !p.canConvertToInt()) {
              throw ConfigException.at("spec.priority", p + " (expected: an integer)");
            }
            priority = p.intValue();
          }
          if (priorities.containsKey(name)) {
            throw ConfigException.at("metadata.name", "a second " + OBJECTIVE + " named \"" + name + "\"");
          }
          priorities.put(name, priority);
        }
        case REWRITE -> {
          keys(spec, "spec.", List.of("poolRef", "rules"));
          if (rewriteNames.contains(name)) {
            throw ConfigException.at("metadata.name", "a second " + REWRITE + " named \"" + name + "\"");
          }
          List<RewriteRule> rules = rules(name, spec.path("rules"));
          rewriteNames.add(name);
          if (inPool(spec, poolName)) {
            String created = doc.path("metadata").path("creationTimestamp").asText("");
            rewrites.add(new Rewrite(created, d, rules));
          }
        }
        default -> throw ConfigException.at("kind", "\"" + kind + "\" (expected: " + OBJECTIVE + " or " + REWRITE + ")");
      }
    } catch (ConfigException | SettingsException e) {
      throw new ConfigException(where + ": " + e.getMessage(), e);
    }
  }

  private record Rewrite(String created, int index, List<RewriteRule> rules) {}

  private static List<RewriteRule> rules(String name, JsonNode rules) {
    if (!rules.isArray()) {
      throw ConfigException.at("spec.rules", rules.isMissingNode() ? "missing" : "expected a list");
    }
    List<RewriteRule> out = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      String rp = "spec.rules[" + i + "]";
      JsonNode rule = rules.get(i);
      if (!rule.isObject()) {
        throw ConfigException.at(rp, "expected a map with matches and targets");
      }
      keys(rule, rp + ".", List.of("matches", "targets"));
      Set<String> models = new HashSet<>();
      JsonNode matches = rule.path("matches");
      if (!matches.isMissingNode() && !matches.isNull()) {
        if (!matches.isArray()) {
          throw ConfigException.at(rp + ".matches", "expected a list");
        }
        for (int m = 0; m < matches.size(); m++) {
          String mp = rp + ".matches[" + m + "]";
          JsonNode match = matches.get(m);
          keys(match, mp + ".", List.of("model"));
          JsonNode model = match.path("model");
          if (!model.isObject()) {
            throw ConfigException.at(mp + ".model", "missing");
          }
          keys(model, mp + ".model.", List.of("type", "value"));
          String type = model.path("type").asText("Exact");
          if (!"Exact".equals(type)) {
            throw ConfigException.at(mp + ".model.type", "\"" + type + "\" (expected: Exact)");
          }
          models.add(text(model, mp + ".model.value", "value", true));
        }
      }
      JsonNode targets = rule.path("targets");
      if (!targets.isArray() || targets.isEmpty()) {
        throw ConfigException.at(rp + ".targets", "missing (expected: at least one target)");
      }
      List<RewriteRule.Target> ts = new ArrayList<>();
      int weighted = 0;
      for (int t = 0; t < targets.size(); t++) {
        String tp = rp + ".targets[" + t + "]";
        JsonNode target = targets.get(t);
        keys(target, tp + ".", List.of("modelRewrite", "weight"));
        String model = text(target, tp + ".modelRewrite", "modelRewrite", true);
        JsonNode w = target.get("weight");
        int weight = 1;
        if (w != null && !w.isNull()) {
          weighted++;
          if (!w.isIntegralNumber() || !w.canConvertToInt()
              || w.intValue() < RewriteRule.MIN_WEIGHT || w.intValue() > RewriteRule.MAX_WEIGHT) {
            throw ConfigException.at(tp + ".weight", w + " (expected: [1, 1000000])");
          }
          weight = w.intValue();
        }
        ts.add(new RewriteRule.Target(model, weight));
      }
      if (weighted != 0 && weighted != ts.size()) {
        throw ConfigException.at(rp + ".targets", "weights set on " + weighted + " of " + ts.size()
            + " targets (expected: on all or on none)");
      }
      out.add(new RewriteRule(name + " rules[" + i + "]", models, ts));
    }
    return out;
  }

  private static boolean inPool(JsonNode spec, String poolName) {
    if (poolName == null) {
      return true;
    }
    String ref = spec.path("poolRef").path("name").asText(null);
    return ref == null || ref.equals(poolName);
  }

  private static void keys(JsonNode node, String prefix, List<String> allowed) {
    String path = prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
    if (!node.isObject()) {
      throw ConfigException.at(path.isEmpty() ? "(document)" : path, "expected a map");
    }
    SettingsNode.of("", path, node).keys(allowed);
  }

  private static String text(JsonNode node, String key, boolean required) {
    return text(node, key, key, required);
  }

  private static String text(JsonNode node, String path, String key, boolean required) {
    JsonNode v = node.get(key);
    if (v == null || v.isNull()) {
      if (required) {
        throw ConfigException.at(path, "missing");
      }
      return null;
    }
    if (!v.isTextual() || v.textValue().isBlank()) {
      throw ConfigException.at(path, v + " (expected: a non-empty string)");
    }
    return v.textValue();
  }
}
