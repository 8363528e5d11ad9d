package dev.loadfuse.architecture;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import com.tngtech.archunit.library.dependencies.SliceRule;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The modules' dependency rules as a test (STYLE.md: "the architecture is a test"), over the main
 * classes of every module on this module's test class path: common, engine-adapters,
 * nvml-bindings, sidecar, picker (benchmarks and these tests are allowed everything and are not
 * imported).
 *
 * <p>Some rules do not hold yet: each lists its known violations as {@code Origin -> Target}
 * (top-level class names), to be removed as the code is fixed. A new violation fails the rule, and
 * so does a listed one that no longer occurs, so the list can only shrink.
 */
class ArchitectureTest {

  private static JavaClasses classes;

  /**
   * Imports the main classes of this repository's modules: the class path entries inside the
   * repository (each module's {@code target/classes} or jar), not their tests, not the libraries.
   * Scanning the whole class path for the package instead reads every library jar (seconds).
   */
  @BeforeAll
  static void importClasses() throws IOException {
    Path repository = Path.of("").toAbsolutePath().getParent();
    List<Location> modules = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path p = Path.of(entry).toAbsolutePath();
      if (!p.startsWith(repository) || entry.contains("test-classes") || entry.endsWith("-tests.jar")) {
        continue;
      }
      if (Files.isDirectory(p)) {
        modules.add(Location.of(p));
      } else if (entry.endsWith(".jar")) {
        try (JarFile jar = new JarFile(p.toFile())) {
          modules.add(Location.of(jar));
        }
      }
    }
    assertThat(modules).as("module class path entries under %s", repository).hasSizeGreaterThanOrEqualTo(4);
    classes = new ClassFileImporter()
        .withImportOption(location -> location.contains("/dev/loadfuse/"))
        .importLocations(modules);
  }

  // ---------------------------------------------------------------- the rules

  @Test
  void libraries_doNotUseVertx() {
    check(rule(resideInAnyPackage("dev.loadfuse.engine..", "dev.loadfuse.nvml..", "dev.loadfuse.common..",
        "dev.loadfuse.discovery.."), resideInAPackage("io.vertx..")), Set.of());
  }

  @Test
  void libraries_doNotDependOnTheApplications() {
    check(rule(resideInAnyPackage("dev.loadfuse.engine..", "dev.loadfuse.nvml..", "dev.loadfuse.common..",
            "dev.loadfuse.discovery.."), resideInAnyPackage("dev.loadfuse.sidecar..", "dev.loadfuse.picker..")), Set.of());
    check(rule(resideInAnyPackage("dev.loadfuse.engine..", "dev.loadfuse.nvml..", "dev.loadfuse.common.."),
        resideInAPackage("dev.loadfuse.discovery..")), Set.of());
  }

  @Test
  void picker_usesTheSidecarOnlyThroughItsApiAndEmbeddedFacade() {
    check(rule(resideInAPackage("dev.loadfuse.picker.."), resideInAPackage("dev.loadfuse.sidecar..")
            .and(not(resideInAnyPackage("dev.loadfuse.sidecar.api..", "dev.loadfuse.sidecar.embedded..")))),
        Set.of());
  }

  /**
   * Known exceptions, removed when issue 13 A/B merge: A gives plugins one immutable view per
   * candidate per cycle instead of the datastore's mutable {@code EndpointState}.
   */
  /**
   * Plugins read the candidates' views, never the datastore. The one exception is the prefix
   * scorers' pick sharing between replicas: a verticle beside the plugin that maps a peer's pick
   * (an address) to the endpoint the datastore knows.
   */
  private static final Set<String> PLUGINS_TO_DATASTORE = Set.of(
      "dev.loadfuse.picker.plugins.scorer.prefix.PrefixPickSharing -> dev.loadfuse.picker.datastore.Datastore",
      "dev.loadfuse.picker.plugins.scorer.prefix.PrefixPickSharing -> dev.loadfuse.picker.datastore.EndpointState");

  @Test
  void pickerPlugins_touchNeitherTheDatastoreNorTheExtProcLayer() {
    check(rule(resideInAPackage("dev.loadfuse.picker.plugins.."),
        resideInAnyPackage("dev.loadfuse.picker.datastore..", "dev.loadfuse.picker.extproc..")), PLUGINS_TO_DATASTORE);
  }

  @Test
  void nothingButBenchmarksAndDeployTests_dependsOnThePicker() {
    check(rule(not(resideInAPackage("dev.loadfuse.picker..")), resideInAPackage("dev.loadfuse.picker..")), Set.of());
  }

  @Test
  void sidecarApi_dependsOnNoOtherPartOfTheSidecar() {
    check(rule(resideInAPackage("dev.loadfuse.sidecar.api.."), resideInAPackage("dev.loadfuse.sidecar..")
        .and(not(resideInAPackage("dev.loadfuse.sidecar.api..")))), Set.of());
  }

  @Test
  void pickerPackages_formNoCycles() {
    SliceRule rule = slices().matching("dev.loadfuse.picker.(*)..").should().beFreeOfCycles();
    // Known cycles, to shrink: the config holds the saturation detector (scheduling -> admission),
    // which is a scheduling plugin (admission -> scheduling); and the config loader knows a few
    // plugin classes (the metrics data source, the approximate prefix producer and scorer) instead of
    // interfaces of its own (scheduling -> plugins -> admission/flowcontrol -> scheduling).
    rule.ignoreDependency(resideInAPackage("dev.loadfuse.picker.scheduling.config"),
            resideInAnyPackage("dev.loadfuse.picker.admission", "dev.loadfuse.picker.plugins.."))
        .check(classes);
    assertThat(rule.evaluate(classes).hasViolation())
        .as("the admission <-> scheduling cycle is gone: remove its exception").isTrue();
  }

  // ---------------------------------------------------------------- how

  /** Classes matching {@code origin} may not depend on classes matching {@code forbidden}. */
  private static Rule rule(DescribedPredicate<? super JavaClass> origin, DescribedPredicate<? super JavaClass> forbidden) {
    return new Rule(origin, forbidden);
  }

  private record Rule(DescribedPredicate<? super JavaClass> origin, DescribedPredicate<? super JavaClass> forbidden) {}

  /**
   * Checks {@code rule}, allowing exactly the dependencies in {@code known} ({@code Origin ->
   * Target}, top-level class names): a dependency not listed fails, and so does a listed one that
   * is gone.
   */
  private static void check(Rule rule, Set<String> known) {
    Set<String> seen = new TreeSet<>();
    ArchCondition<JavaClass> condition = new ArchCondition<>("not depend on classes that " + rule.forbidden()
        .getDescription() + (known.isEmpty() ? "" : " (" + known.size() + " known exceptions)")) {
      @Override
      public void check(JavaClass c, ConditionEvents events) {
        for (Dependency d : c.getDirectDependenciesFromSelf()) {
          JavaClass target = d.getTargetClass();
          if (!rule.forbidden().test(target)) {
            continue;
          }
          String pair = topLevel(c) + " -> " + topLevel(target);
          if (known.contains(pair)) {
            seen.add(pair);
          } else {
            events.add(SimpleConditionEvent.violated(d, d.getDescription()));
          }
        }
      }
    };
    ArchRule archRule = classes().that(rule.origin()).should(condition);
    archRule.check(classes);
    Set<String> gone = new TreeSet<>(known);
    gone.removeAll(seen);
    assertThat(gone).as("known exceptions that no longer occur: remove them from the list").isEmpty();
  }

  private static String topLevel(JavaClass c) {
    String name = c.getBaseComponentType().getName();
    int dollar = name.indexOf('$');
    return dollar < 0 ? name : name.substring(0, dollar);
  }
}
