package dev.loadfuse.nvml.fake;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * JUnit side of the fake NVML: builds a variant into {@code target/fake-nvml/<variant>/} (once
 * per JVM) and returns its control, reset to the default state. When gcc is missing the calling
 * test is skipped (an assumption with the reason), not failed.
 */
public final class FakeNvmlFixture {
  private FakeNvmlFixture() {}

  public static FakeNvml fake() {
    return fake(FakeNvmlLibrary.Variant.STANDARD);
  }

  public static FakeNvml fake(FakeNvmlLibrary.Variant variant) {
    Assumptions.assumeTrue(
        FakeNvmlLibrary.gccAvailable(),
        () -> "skipped: the FFM tests compile a fake libnvidia-ml.so.1 with gcc, which is unavailable ("
            + FakeNvmlLibrary.gccMissing().orElse("") + ")");
    try {
      Path lib = FakeNvmlLibrary.build(Path.of("target", "fake-nvml", variant.dirName()), variant);
      return FakeNvml.of(lib).reset();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
