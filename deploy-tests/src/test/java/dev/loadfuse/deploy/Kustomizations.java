package dev.loadfuse.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks kustomization.yaml files without running kustomize (not available here): known keys only,
 * every resource, patch and generator file they name exists, a patch targets an object its
 * resources define, a {@code behavior: replace|merge} generator replaces one its resources define,
 * and every {@code images[].name} is the image of some container.
 */
final class Kustomizations {

  static final String FILE_NAME = "kustomization.yaml";

  private static final Set<String> KEYS = Set.of("apiVersion", "kind", "namespace", "namePrefix", "nameSuffix",
      "labels", "commonLabels", "commonAnnotations", "resources", "components", "patches", "configMapGenerator",
      "secretGenerator", "generatorOptions", "images", "replicas");

  private Kustomizations() {}

  /** The patch files a kustomization names (absolute, normalised). */
  static List<Path> patchFiles(Path kustomization) {
    JsonNode k = Yaml.documents(kustomization).getFirst();
    List<Path> patches = new ArrayList<>();
    for (JsonNode p : k.path("patches")) {
      if (p.has("path")) {
        patches.add(kustomization.resolveSibling(p.get("path").asText()).normalize());
      }
    }
    return patches;
  }

  static void check(Path kustomization) {
    String where = kustomization.toString();
    List<JsonNode> docs = Yaml.documents(kustomization);
    if (docs.size() != 1) {
      throw new AssertionError(where + ": expected one document, found " + docs.size());
    }
    JsonNode k = docs.getFirst();
    k.fieldNames().forEachRemaining(key -> {
      if (!KEYS.contains(key)) {
        throw new AssertionError(where + ": unknown key \"" + key + "\" (known: " + new java.util.TreeSet<>(KEYS) + ")");
      }
    });
    if (!"Kustomization".equals(Yaml.text(k, "kind"))) {
      throw new AssertionError(where + ": kind: " + Yaml.text(k, "kind") + " (expected: Kustomization)");
    }
    Path dir = kustomization.getParent();
    int i = 0;
    for (JsonNode r : k.path("resources")) {
      Path p = dir.resolve(r.asText()).normalize();
      boolean ok = Files.isRegularFile(p) || Files.isRegularFile(p.resolve(FILE_NAME));
      if (!ok) {
        throw new AssertionError(where + ": resources[" + i + "]: " + r.asText() + " (no such file, nor a directory with a " + FILE_NAME + ")");
      }
      i++;
    }
    List<HasMetadata> objects = new ArrayList<>();
    Set<String> generated = new LinkedHashSet<>();
    collect(kustomization, objects, generated, true);

    i = 0;
    for (JsonNode p : k.path("patches")) {
      String at = where + ": patches[" + i++ + "]";
      if (!p.has("path")) {
        throw new AssertionError(at + ": give the patch as a file (path), so it is checked like every other file");
      }
      Path file = dir.resolve(p.get("path").asText()).normalize();
      if (!Files.isRegularFile(file)) {
        throw new AssertionError(at + ".path: " + p.get("path").asText() + " (no such file)");
      }
      HasMetadata patch = KubernetesObjects.parse(Yaml.documents(file).getFirst(), file.toString());
      boolean targetFound = objects.stream().anyMatch(o -> o.getKind().equals(patch.getKind())
          && o.getMetadata().getName().equals(patch.getMetadata().getName()));
      if (!targetFound) {
        throw new AssertionError(at + ": " + patch.getKind() + " " + patch.getMetadata().getName()
            + " is not among the resources it patches");
      }
    }
    i = 0;
    for (JsonNode g : k.path("configMapGenerator")) {
      String at = where + ": configMapGenerator[" + i++ + "]";
      int j = 0;
      for (JsonNode f : g.path("files")) {
        String name = f.asText();
        String path = name.contains("=") ? name.substring(name.indexOf('=') + 1) : name;
        if (!Files.isRegularFile(dir.resolve(path))) {
          throw new AssertionError(at + ".files[" + j + "]: " + path + " (no such file)");
        }
        j++;
      }
      String behavior = Yaml.text(g, "behavior");
      if (("replace".equals(behavior) || "merge".equals(behavior)) && !generated.contains(Yaml.text(g, "name"))) {
        throw new AssertionError(at + ": behavior " + behavior + " but no resource defines a generator named "
            + Yaml.text(g, "name"));
      }
    }
    i = 0;
    for (JsonNode img : k.path("images")) {
      String name = Yaml.text(img, "name");
      String at = where + ": images[" + i++ + "].name: " + name;
      boolean used = objects.stream().anyMatch(o -> images(o).contains(name));
      if (!used) {
        throw new AssertionError(at + " (no container uses this image)");
      }
    }
  }

  /** Objects and generator names reachable through {@code resources}; the kustomization's own generators only below the top. */
  private static void collect(Path kustomization, List<HasMetadata> objects, Set<String> generated, boolean top) {
    JsonNode k = Yaml.documents(kustomization).getFirst();
    Path dir = kustomization.getParent();
    for (JsonNode r : k.path("resources")) {
      Path p = dir.resolve(r.asText()).normalize();
      if (Files.isRegularFile(p)) {
        for (JsonNode doc : Yaml.documents(p)) {
          objects.add(KubernetesObjects.parse(doc, p.toString()));
        }
      } else {
        collect(p.resolve(FILE_NAME), objects, generated, false);
      }
    }
    if (!top) {
      for (JsonNode g : k.path("configMapGenerator")) {
        generated.add(Yaml.text(g, "name"));
      }
    }
  }

  private static Set<String> images(HasMetadata o) {
    Set<String> images = new LinkedHashSet<>();
    if (o instanceof io.fabric8.kubernetes.api.model.apps.Deployment d) {
      d.getSpec().getTemplate().getSpec().getContainers().forEach(c -> images.add(c.getImage()));
    } else if (o instanceof io.fabric8.kubernetes.api.model.apps.DaemonSet d) {
      d.getSpec().getTemplate().getSpec().getContainers().forEach(c -> images.add(c.getImage()));
    }
    return images;
  }
}
