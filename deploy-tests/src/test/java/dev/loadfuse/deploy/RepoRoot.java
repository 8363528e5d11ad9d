package dev.loadfuse.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the repository root by walking up from the working directory (the module directory under Maven). */
final class RepoRoot {

  private RepoRoot() {}

  static Path find() {
    Path start = Path.of("").toAbsolutePath();
    for (Path p = start; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("pom.xml")) && Files.isDirectory(p.resolve("k8s"))
          && Files.isDirectory(p.resolve("config-examples"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root (a directory with pom.xml, k8s/ and config-examples/) above " + start);
  }
}
