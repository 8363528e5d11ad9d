package dev.loadfuse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loadfuse.engine.config.EngineConfigException;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.mock.MockGpuProbe;
import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.routing.ObjectsFile;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.common.settings.SettingsReader;
import dev.loadfuse.sidecar.SidecarOptions;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.file.EndpointsFile;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every file under {@code k8s/} and {@code config-examples/} is loaded by what reads it in
 * production; the directories are walked, so a new file is covered without touching this test,
 * and a file nothing recognises fails. Recognised by content:
 *
 * <ul>
 *   <li>{@code kustomization.yaml}: {@link Kustomizations#check};
 *   <li>{@code kind: EndpointPickerConfig}: the picker's strict {@link ConfigLoader};
 *   <li>Kubernetes objects ({@code apiVersion} + {@code kind}): parsed by fabric8 (unknown fields
 *       are errors), created in fabric8's mock API server (CRUD mode) and read back; routing objects
 *       also through the picker's {@link ObjectsFile}; kustomize patch files are checked with their
 *       kustomization instead of being created;
 *   <li>{@code static_resources}: an Envoy bootstrap, {@link EnvoyBootstrapCheck};
 *   <li>{@code endpoints:}: the sidecar's {@link EndpointsFile}; {@code gpus:}: the NVML mock's
 *       {@link MockGpuProbe}; any other mapping: the sidecar's config file ({@link SidecarConfig});
 *   <li>{@code *.json} with {@code panels}: a Grafana dashboard whose queries may only name metrics
 *       the picker and the sidecar export ({@link ExportedMetrics}).
 * </ul>
 */
class DeployFilesTest {

  private static final String MOCK_GPUS = "config-examples/mock-gpus.yaml";

  private static Path root;
  private static Set<Path> patchFiles;
  private static KubernetesMockServer server;
  private static KubernetesClient client;
  private static final AtomicInteger namespaces = new AtomicInteger();

  @BeforeAll
  @SuppressWarnings("deprecation") // Serialization.jsonMapper(): what fabric8's own extension uses
  static void start() throws IOException {
    root = RepoRoot.find();
    patchFiles = new HashSet<>();
    for (Path k : files().stream().filter(p -> p.getFileName().toString().equals(Kustomizations.FILE_NAME)).toList()) {
      patchFiles.addAll(Kustomizations.patchFiles(k));
    }
    List<CustomResourceDefinitionContext> crds = new ArrayList<>(KubernetesObjects.CUSTOM_RESOURCES.values());
    server = new KubernetesMockServer(new Context(Serialization.jsonMapper()), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(crds), false);
    server.init();
    client = server.createClient();
  }

  @AfterAll
  static void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      // The mock's destroy can block on a watch being closed; nothing here watches, but do not
      // let teardown hold the build (see sidecar's KubernetesEndpointDiscoveryTest).
      KubernetesMockServer s = server;
      Thread.ofPlatform().daemon().name("mock-api-server-shutdown").start(() -> {
        try {
          s.destroy();
        } catch (IllegalStateException ignored) {
          // "Unable to close MockWebServer"
        }
      });
    }
  }

  static List<Path> files() throws IOException {
    Path r = root != null ? root : RepoRoot.find();
    List<Path> all = new ArrayList<>();
    for (String dir : List.of("k8s", "config-examples")) {
      try (Stream<Path> s = Files.walk(r.resolve(dir))) {
        s.filter(Files::isRegularFile)
            .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml") || p.toString().endsWith(".json"))
            .sorted()
            .forEach(all::add);
      }
    }
    return all;
  }

  @TestFactory
  Stream<DynamicTest> everyDeploymentFile_loadsWithItsLoader() throws IOException {
    return files().stream().map(f -> DynamicTest.dynamicTest(relative(f), f.toUri(), () -> check(f)));
  }

  @Test
  void theWalk_findsEveryKindOfFile() throws IOException {
    Map<String, Integer> kinds = new HashMap<>();
    for (Path f : files()) {
      kinds.merge(classify(f), 1, Integer::sum);
    }
    assertThat(kinds).containsKeys("kustomization", "picker-config", "kubernetes", "kustomize-patch", "envoy",
        "endpoints", "mock-gpus", "sidecar-config", "grafana");
  }

  @Test
  void unknownKubernetesField_isReportedWithItsPath() {
    JsonNode doc = Yaml.JSON.valueToTree(Map.of("apiVersion", "apps/v1", "kind", "DaemonSet",
        "metadata", Map.of("name", "x"),
        "spec", Map.of("template", Map.of("spec", Map.of("toleration", List.of())))));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> KubernetesObjects.parse(doc, "x.yaml"))
        .hasMessageContaining("x.yaml: unknown field(s) [DaemonSet.spec.template.spec.toleration]");
  }

  @Test
  void unknownPluginType_fails() {
    String text = """
        apiVersion: inference.networking.x-k8s.io/v1alpha1
        kind: EndpointPickerConfig
        plugins: [{type: no-such-scorer}]
        """;
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new ConfigLoader(InTreePlugins.registry()).load(text, "t.yaml"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown plugin type \"no-such-scorer\"");
  }

  @Test
  void gpuAwareOverlayConfig_isTheExamplesBody() throws Exception {
    // kustomize reads no file outside the overlay, so the overlay keeps a copy of the example.
    assertThat(withoutComments(root.resolve("k8s/overlays/gpu-aware/picker-config.yaml")))
        .isEqualTo(withoutComments(root.resolve("config-examples/epc-gpu-aware.yaml")));
  }

  private static String withoutComments(Path f) throws Exception {
    return Files.readAllLines(f).stream().filter(l -> !l.startsWith("#")).collect(java.util.stream.Collectors.joining("\n"));
  }

  static String classify(Path f) {
    String name = f.getFileName().toString();
    if (name.endsWith(".json")) {
      return Yaml.json(f).has("panels") ? "grafana" : "unknown";
    }
    if (name.equals(Kustomizations.FILE_NAME)) {
      return "kustomization";
    }
    List<JsonNode> docs = Yaml.documents(f);
    if (docs.isEmpty()) {
      return "unknown";
    }
    JsonNode first = docs.getFirst();
    if (ConfigLoader.KIND.equals(Yaml.text(first, "kind"))) {
      return "picker-config";
    }
    if (first.has("apiVersion") && first.has("kind")) {
      return patchFiles.contains(f.normalize()) ? "kustomize-patch" : "kubernetes";
    }
    if (EnvoyBootstrapCheck.isBootstrap(first)) {
      return "envoy";
    }
    if (first.has("endpoints")) {
      return "endpoints";
    }
    if (first.has("gpus")) {
      return "mock-gpus";
    }
    return first.isObject() ? "sidecar-config" : "unknown";
  }

  private static void check(Path f) throws Exception {
    String rel = relative(f);
    switch (classify(f)) {
      case "kustomization" -> Kustomizations.check(f);
      case "kustomize-patch" -> KubernetesObjects.parse(Yaml.documents(f).getFirst(), rel); // target checked with its kustomization
      case "picker-config" -> loadPickerConfig(f, rel);
      case "kubernetes" -> applyKubernetesObjects(f, rel);
      case "envoy" -> EnvoyBootstrapCheck.check(Yaml.documents(f).getFirst(), rel);
      case "endpoints" -> {
        EndpointSet set = EndpointsFile.load(f);
        assertThat(set.endpoints()).as(rel + ": endpoints").isNotEmpty();
      }
      case "mock-gpus" -> {
        try (MockGpuProbe probe = MockGpuProbe.open(f)) {
          GpuSnapshot s = probe.sample();
          assertThat(s.gpus()).as(rel + ": GPUs").isNotEmpty();
        }
      }
      case "sidecar-config" -> loadSidecarConfig(f, rel);
      case "grafana" -> checkGrafana(f, rel);
      default -> throw new AssertionError(rel + ": not a file this test knows how to load (see DeployFilesTest's Javadoc)");
    }
  }

  private static void loadPickerConfig(Path f, String rel) {
    new ConfigLoader(InTreePlugins.registry()).loadFile(f);
  }


  private static void applyKubernetesObjects(Path f, String rel) {
    List<JsonNode> docs = Yaml.documents(f);
    String namespace = "file-" + namespaces.incrementAndGet();
    boolean routingOnly = true;
    for (int i = 0; i < docs.size(); i++) {
      String where = rel + " (document " + (i + 1) + ")";
      HasMetadata o = KubernetesObjects.parse(docs.get(i), where);
      routingOnly &= o.getKind().equals(ObjectsFile.OBJECTIVE) || o.getKind().equals(ObjectsFile.REWRITE);
      String ns = o.getMetadata().getNamespace() != null ? o.getMetadata().getNamespace() : namespace;
      HasMetadata created;
      HasMetadata readBack;
      if (o instanceof GenericKubernetesResource g) {
        var api = client.genericKubernetesResources(KubernetesObjects.CUSTOM_RESOURCES.get(g.getApiVersion() + "/" + g.getKind()));
        created = api.inNamespace(ns).resource(g).create();
        readBack = api.inNamespace(ns).withName(g.getMetadata().getName()).get();
      } else if (KubernetesObjects.namespaced(o)) {
        created = client.resource(o).inNamespace(ns).create();
        readBack = client.resource(created).inNamespace(ns).get();
      } else {
        created = client.resource(o).create();
        readBack = client.resource(created).get();
      }
      assertThat(readBack).as(where + ": read back from the API server").isNotNull();
      assertThat(readBack.getKind()).as(where).isEqualTo(o.getKind());
    }
    if (routingOnly) {
      assertThat(ObjectsFile.load(f, null)).as(rel + ": routing objects").isNotNull();
    }
  }

  private static void loadSidecarConfig(Path f, String rel) {
    // As sidecar.jar run reads its settings file (the engines section included); in Kubernetes
    // the DaemonSet sets NODE_NAME, so the source of endpoints is not checked here.
    SidecarOptions config;
    try {
      config = SidecarOptions.read(SettingsReader.strict().read(f));
    } catch (IllegalArgumentException | EngineConfigException e) {
      throw new AssertionError(rel + ": " + e.getMessage(), e);
    }
    // Files named by a local config must exist (relative to the repository root, where it is run from).
    for (String p : java.util.Arrays.asList(config.getEndpointsFile(), config.getMockGpus())) {
      if (p != null) {
        assertThat(root.resolve(p)).as(rel + ": " + p).isRegularFile();
      }
    }
  }

  private static void checkGrafana(Path f, String rel) {
    JsonNode d = Yaml.json(f);
    Set<String> exported = ExportedMetrics.names(root.resolve(MOCK_GPUS));
    List<String> queries = new ArrayList<>();
    collectQueries(d.path("panels"), queries);
    for (JsonNode v : d.path("templating").path("list")) {
      String def = Yaml.text(v, "definition");
      if (def != null && def.startsWith("label_values(")) {
        String inner = def.substring("label_values(".length(), def.lastIndexOf(')'));
        queries.add(inner.contains(",") && !inner.substring(inner.lastIndexOf(',')).contains("}")
            ? inner.substring(0, inner.lastIndexOf(',')) : inner);
      }
    }
    assertThat(queries).as(rel + ": queries").isNotEmpty();
    Set<String> used = new HashSet<>();
    for (String q : queries) {
      Set<String> names = PromQl.metricNames(q);
      assertThat(names).as(rel + ": metric names in " + q).isNotEmpty();
      for (String n : names) {
        if (!exported.contains(n)) {
          throw new AssertionError(rel + ": query names " + n + ", which neither the picker nor the sidecar exports: " + q);
        }
      }
      used.addAll(names);
    }
    // The point of the dashboard: GPU state beside each pod's queue and KV usage.
    assertThat(used).as(rel + ": metrics used")
        .contains("loadfuse_endpoint_waiting_requests", "loadfuse_endpoint_kv_cache_usage", "DCGM_FI_DEV_GPU_UTIL",
            "DCGM_FI_DEV_FB_USED", "inference_objective_request_total", "inference_extension_scheduler_e2e_duration_seconds_bucket");
  }

  private static void collectQueries(JsonNode panels, List<String> out) {
    for (JsonNode p : panels) {
      for (JsonNode t : p.path("targets")) {
        String expr = Yaml.text(t, "expr");
        if (expr != null) {
          out.add(expr);
        }
      }
      collectQueries(p.path("panels"), out);
    }
  }

  static String relative(Path f) {
    return (root != null ? root : RepoRoot.find()).relativize(f).toString().replace('\\', '/');
  }
}
