package dev.loadfuse.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KubernetesResource;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Kubernetes objects as fabric8 reads them: built-in kinds into their typed models, custom
 * resources (the kinds in {@link #CUSTOM_RESOURCES}) as {@link GenericKubernetesResource}.
 *
 * <p>fabric8's typed models keep unknown fields in {@code additionalProperties} instead of failing,
 * so a misspelt field ({@code tolerations} as {@code toleration}) would pass unnoticed;
 * {@link #unknownFields} finds them, with their path.
 */
final class KubernetesObjects {

  /** The custom resource kinds the examples use, keyed by {@code apiVersion/kind}. */
  static final Map<String, CustomResourceDefinitionContext> CUSTOM_RESOURCES = Map.of(
      "inference.networking.k8s.io/v1/InferencePool", crd("inference.networking.k8s.io", "v1", "InferencePool", "inferencepools"),
      "inference.networking.x-k8s.io/v1alpha2/InferencePool", crd("inference.networking.x-k8s.io", "v1alpha2", "InferencePool", "inferencepools"),
      "inference.networking.x-k8s.io/v1alpha2/InferenceObjective", crd("inference.networking.x-k8s.io", "v1alpha2", "InferenceObjective", "inferenceobjectives"),
      "inference.networking.x-k8s.io/v1alpha2/InferenceModelRewrite", crd("inference.networking.x-k8s.io", "v1alpha2", "InferenceModelRewrite", "inferencemodelrewrites"),
      "gateway.networking.k8s.io/v1/Gateway", crd("gateway.networking.k8s.io", "v1", "Gateway", "gateways"),
      "gateway.networking.k8s.io/v1/HTTPRoute", crd("gateway.networking.k8s.io", "v1", "HTTPRoute", "httproutes"),
      "monitoring.coreos.com/v1/ServiceMonitor", crd("monitoring.coreos.com", "v1", "ServiceMonitor", "servicemonitors"));

  static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private KubernetesObjects() {}

  private static CustomResourceDefinitionContext crd(String group, String version, String kind, String plural) {
    return new CustomResourceDefinitionContext.Builder()
        .withGroup(group).withVersion(version).withKind(kind).withPlural(plural).withScope("Namespaced").build();
  }

  /** Parses one document; custom kinds must be listed in {@link #CUSTOM_RESOURCES}, other kinds must be built in. */
  static HasMetadata parse(JsonNode doc, String where) {
    String apiVersion = Yaml.text(doc, "apiVersion");
    String kind = Yaml.text(doc, "kind");
    if (apiVersion == null || kind == null) {
      throw new AssertionError(where + ": a Kubernetes object needs apiVersion and kind");
    }
    KubernetesResource r = SERIALIZATION.unmarshal(doc.toString(), KubernetesResource.class);
    if (!(r instanceof HasMetadata object) || object.getMetadata() == null || object.getMetadata().getName() == null) {
      throw new AssertionError(where + ": " + kind + " without metadata.name");
    }
    boolean custom = CUSTOM_RESOURCES.containsKey(apiVersion + "/" + kind);
    if (r instanceof GenericKubernetesResource && !custom) {
      throw new AssertionError(where + ": " + apiVersion + " " + kind
          + " is neither a built-in kind nor a custom resource this test knows (add it to KubernetesObjects.CUSTOM_RESOURCES)");
    }
    List<String> unknown = unknownFields(r, kind);
    if (!unknown.isEmpty()) {
      throw new AssertionError(where + ": unknown field(s) " + unknown);
    }
    return object;
  }

  static boolean namespaced(HasMetadata o) {
    return o instanceof GenericKubernetesResource || o instanceof Namespaced;
  }

  /** Paths of fields a typed model did not recognise (its additionalProperties), depth first. */
  static List<String> unknownFields(Object model, String path) {
    List<String> found = new ArrayList<>();
    walk(model, path, found);
    return found;
  }

  private static void walk(Object o, String path, List<String> found) {
    if (o == null || o instanceof GenericKubernetesResource) {
      return;
    }
    if (o instanceof Collection<?> c) {
      int i = 0;
      for (Object e : c) {
        walk(e, path + "[" + i++ + "]", found);
      }
      return;
    }
    if (o instanceof Map<?, ?> m) {
      for (Map.Entry<?, ?> e : m.entrySet()) {
        walk(e.getValue(), path + "." + e.getKey(), found);
      }
      return;
    }
    if (!o.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method m : o.getClass().getMethods()) {
      if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.getDeclaringClass() == Object.class) {
        continue;
      }
      String name = m.getName();
      if (name.equals("getAdditionalProperties")) {
        Object extra = invoke(m, o, path);
        if (extra instanceof Map<?, ?> map) {
          for (Object key : map.keySet()) {
            found.add(path + "." + key);
          }
        }
      } else if (name.startsWith("get") && name.length() > 3 && !name.equals("getClass")) {
        Object v = invoke(m, o, path);
        if (v instanceof Collection<?> || v instanceof Map<?, ?>
            || (v != null && v.getClass().getName().startsWith("io.fabric8.kubernetes.api.model"))) {
          walk(v, path + "." + Character.toLowerCase(name.charAt(3)) + name.substring(4), found);
        }
      }
    }
  }

  private static Object invoke(Method m, Object o, String path) {
    try {
      return m.invoke(o);
    } catch (ReflectiveOperationException | RuntimeException e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new AssertionError(path + "." + m.getName() + ": " + cause.getMessage(), cause);
    }
  }
}
