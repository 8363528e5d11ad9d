package dev.loadfuse.nvml.fake;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Compiles the fake NVML ({@code fake_nvml.c}, next to this class on the classpath) into a
 * {@code libnvidia-ml.so.1} with gcc. Test fixture, shipped in nvml-bindings' test-jar so that
 * the sidecar's tests and the benchmarks can use it; never part of a product jar.
 *
 * <p>JUnit-free on purpose (the benchmarks have no JUnit); {@link FakeNvmlFixture} adds the
 * "skip when gcc is missing" assumption for tests.
 */
public final class FakeNvmlLibrary {
  /** The file name every build produces, as the real library is called. */
  public static final String FILE_NAME = "libnvidia-ml.so.1";

  private static final String SOURCE = "fake_nvml.c";
  private static final Map<String, Path> BUILT = new ConcurrentHashMap<>();
  private static volatile Optional<String> gccMissing;

  /** Compile-time variants of the fake (see the comment at the top of fake_nvml.c). */
  public enum Variant {
    STANDARD,
    NO_MEMORY_INFO_V2("FAKE_NVML_NO_MEMORY_INFO_V2"),
    NO_TOTAL_ENERGY("FAKE_NVML_NO_TOTAL_ENERGY"),
    NO_INIT_V2("FAKE_NVML_NO_INIT_V2");

    private final List<String> defines;

    Variant(String... defines) {
      this.defines = List.of(defines);
    }

    public String[] defines() {
      return defines.toArray(String[]::new);
    }

    /** A folder name for this variant's build. */
    public String dirName() {
      return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }
  }

  private FakeNvmlLibrary() {}

  /** Empty when gcc runs; else why not. Checked once per JVM. */
  public static Optional<String> gccMissing() {
    Optional<String> result = gccMissing;
    if (result == null) {
      result = probeGcc();
      gccMissing = result;
    }
    return result;
  }

  public static boolean gccAvailable() {
    return gccMissing().isEmpty();
  }

  private static Optional<String> probeGcc() {
    try {
      Process p = new ProcessBuilder("gcc", "--version").redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return Optional.of("'gcc --version' did not finish in 30 s");
      }
      return p.exitValue() == 0 ? Optional.empty() : Optional.of("'gcc --version' exited with " + p.exitValue());
    } catch (IOException e) {
      return Optional.of("cannot run gcc: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.of("interrupted while looking for gcc");
    }
  }

  /** Builds {@code variant} into {@code outDir}; see {@link #build(Path, String...)}. */
  public static Path build(Path outDir, Variant variant) throws IOException {
    return build(outDir, variant.defines());
  }

  /**
   * Compiles the fake into {@code outDir/libnvidia-ml.so.1} with {@code -D} for each of
   * {@code defines}, once per JVM for the same folder and defines.
   *
   * @return the library file
   * @throws IOException when gcc is missing or fails (with its output)
   */
  public static Path build(Path outDir, String... defines) throws IOException {
    Path dir = outDir.toAbsolutePath().normalize();
    String key = dir + " " + Arrays.toString(defines);
    Path built = BUILT.get(key);
    if (built != null) {
      return built;
    }
    synchronized (BUILT) {
      built = BUILT.get(key);
      if (built == null) {
        built = compile(dir, defines);
        BUILT.put(key, built);
      }
      return built;
    }
  }

  private static Path compile(Path dir, String... defines) throws IOException {
    Optional<String> missing = gccMissing();
    if (missing.isPresent()) {
      throw new IOException("cannot build the fake NVML: " + missing.get());
    }
    Files.createDirectories(dir);
    Path source = dir.resolve(SOURCE);
    try (InputStream in = FakeNvmlLibrary.class.getResourceAsStream(SOURCE)) {
      if (in == null) {
        throw new IOException(SOURCE + " is not on the classpath next to " + FakeNvmlLibrary.class.getName());
      }
      Files.copy(in, source, StandardCopyOption.REPLACE_EXISTING);
    }
    // Built under a temporary name and moved into place, so that a library another process
    // still has mapped is replaced (new inode) rather than overwritten.
    Path tmp = Files.createTempFile(dir, "libnvidia-ml", ".so.tmp");
    Path lib = dir.resolve(FILE_NAME);
    // No -soname: a soname of libnvidia-ml.so.1 would make glibc hand this fake to a later
    // dlopen("libnvidia-ml.so.1") in the same process (the real-GPU test) instead of searching.
    List<String> cmd = new ArrayList<>(List.of(
        "gcc", "-shared", "-fPIC", "-O2", "-std=c11", "-Wall", "-Wextra", "-fvisibility=hidden"));
    for (String d : defines) {
      cmd.add("-D" + d);
    }
    cmd.addAll(List.of("-o", tmp.toString(), source.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("gcc did not finish in 120 s: " + String.join(" ", cmd));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while compiling the fake NVML", e);
    }
    if (p.exitValue() != 0) {
      Files.deleteIfExists(tmp);
      throw new IOException("gcc failed (" + p.exitValue() + "): " + String.join(" ", cmd) + "\n" + output);
    }
    Files.move(tmp, lib, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    return lib;
  }
}
