package dev.loadfuse.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every JVM that runs a long-lived server of ours exits when it runs out of heap ({@value #FLAG}):
 * a JVM that throws OutOfMemoryError in one thread runs on with that thread dead (a scraper, a
 * consumer, the event loop), answering health checks while doing nothing; exiting lets the kubelet
 * (or the person at the terminal) start it again. Checked on every command line that starts one:
 * the Dockerfiles, the Jib image configuration, every container of the manifests, the JVM flags
 * the sidecar's README recommends, and the scripts that start a server.
 */
class JvmFlagsTest {

  static final String FLAG = "-XX:+ExitOnOutOfMemoryError";
  private static final Path ROOT = RepoRoot.find();

  @Test
  void dockerfileEntrypoints_exitOnOutOfMemory() throws IOException {
    List<Path> dockerfiles;
    try (Stream<Path> s = Files.walk(ROOT, 3)) {
      dockerfiles = s.filter(p -> p.getFileName().toString().equals("Dockerfile"))
          .filter(p -> !p.toString().contains("/target/")).toList();
    }
    assertThat(dockerfiles).as("the two images' Dockerfiles").hasSize(2);
    for (Path f : dockerfiles) {
      List<String> entrypoints = Files.readAllLines(f).stream().filter(l -> l.startsWith("ENTRYPOINT")).toList();
      assertThat(entrypoints).as(f.toString()).hasSize(1);
      JsonNode argv = Yaml.JSON.readTree(entrypoints.getFirst().substring("ENTRYPOINT".length()).strip());
      assertThat(argv.get(0).asText()).as(f + ": starts java").isEqualTo("java");
      assertThat(texts(argv)).as(f + " ENTRYPOINT").contains(FLAG);
    }
  }

  @Test
  void jibImages_exitOnOutOfMemory() throws IOException {
    String parent = Files.readString(ROOT.resolve("pom.xml"));
    assertThat(jvmFlags(parent)).as("pom.xml: the Jib plugin's jvmFlags (both images)").contains(FLAG);
    for (String module : List.of("sidecar", "picker")) {
      String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
      assertThat(pom).as(module + "/pom.xml uses the Jib profiles").contains("jib-maven-plugin");
      // A module that sets its own jvmFlags replaces the parent's: then it must carry the flag too.
      if (pom.contains("<jvmFlags>")) {
        assertThat(jvmFlags(pom)).as(module + "/pom.xml jvmFlags").contains(FLAG);
      }
    }
  }

  @Test
  void everyContainerOfTheManifests_exitsOnOutOfMemory() throws IOException {
    List<String> checked = new ArrayList<>();
    try (Stream<Path> s = Files.walk(ROOT.resolve("k8s"))) {
      for (Path f : s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        for (JsonNode doc : Yaml.documents(f)) {
          String kind = doc.path("kind").asText();
          // Ours only: the examples' model-server Deployments are not JVMs.
          if (!kind.equals("DaemonSet") && !kind.equals("Deployment")
              || !doc.path("metadata").path("name").asText().startsWith("loadfuse-")) {
            continue;
          }
          for (JsonNode c : doc.path("spec").path("template").path("spec").path("containers")) {
            String where = ROOT.relativize(f) + ": " + kind + " " + doc.path("metadata").path("name").asText()
                + ", container " + c.path("name").asText();
            String options = env(c, "JDK_JAVA_OPTIONS");
            boolean patch = !f.getParent().getFileName().toString().equals("base") && !c.has("image");
            if (options == null && patch) {
              continue; // an overlay patch that leaves the environment to the base
            }
            assertThat(options).as(where + ": JDK_JAVA_OPTIONS").isNotNull().contains(FLAG);
            checked.add(where);
          }
        }
      }
    }
    assertThat(checked).as("the sidecar DaemonSet and the picker Deployment")
        .anyMatch(w -> w.contains("DaemonSet loadfuse-sidecar")).anyMatch(w -> w.contains("Deployment loadfuse-picker"));
  }

  @Test
  void recommendedSidecarFlags_andServerScripts_exitOnOutOfMemory() throws IOException {
    String readme = Files.readString(ROOT.resolve("sidecar/jvm/README.md"));
    assertThat(readme.substring(readme.indexOf("```bash"), readme.indexOf("```", readme.indexOf("```bash") + 3)))
        .as("sidecar/jvm/README.md: the recommended command line").contains(FLAG);
    // The scripts that start a server (the demo, the local run, the footprint harness's sidecar
    // and fake fleet): every line that runs java carries the flag, directly or in its options.
    Pattern java = Pattern.compile("^\\s*(exec\\s+)?([A-Z_]+=\\S+\\s+)*(\"\\$JAVA_HOME/bin/java\"|\"\\$JAVA\")\\s");
    for (String script : List.of("demo.sh", "run-local.sh", "benchmarks/sidecar-footprint.sh")) {
      List<String> lines = Files.readAllLines(ROOT.resolve(script));
      List<String> runs = new ArrayList<>();
      for (String line : lines) {
        Matcher m = java.matcher(line);
        if (m.find() && !line.contains("-XshowSettings")) {
          runs.add(line);
        }
      }
      assertThat(runs).as(script + ": java command lines").isNotEmpty();
      for (String run : runs) {
        String flags = run.contains("$SIDECAR_JAVA_OPTS") ? run + " " + defaultOf(lines, "DEFAULT_OPTS") : run;
        assertThat(flags).as(script + ": " + run.strip()).contains(FLAG);
      }
    }
  }

  private static String defaultOf(List<String> lines, String variable) {
    return lines.stream().filter(l -> l.startsWith(variable + "=")).findFirst()
        .orElseThrow(() -> new AssertionError("no " + variable + "="));
  }

  private static List<String> jvmFlags(String pom) {
    List<String> flags = new ArrayList<>();
    Matcher m = Pattern.compile("<jvmFlag>([^<]*)</jvmFlag>").matcher(pom);
    while (m.find()) {
      flags.add(m.group(1).strip());
    }
    return flags;
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (name.equals(e.path("name").asText())) {
        return e.path("value").asText(null);
      }
    }
    return null;
  }

  private static List<String> texts(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
