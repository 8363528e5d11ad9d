package dev.loadfuse.nvml;

import dev.loadfuse.common.errors.UnavailableException;
import dev.loadfuse.nvml.ffm.NvmlGpuProbe;
import dev.loadfuse.nvml.mock.MockConfigException;
import dev.loadfuse.nvml.mock.MockGpuConfig;
import dev.loadfuse.nvml.mock.MockGpuProbe;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Opens the probe implementations: {@code nvml}, {@code mock} and {@code none}, and chooses
 * among them by {@link GpuProbeKind} ({@link #open}), the same way for every program.
 */
public final class GpuProbes {
  /** The NVML library name looked up on the system library path by {@link #nvml()}. */
  public static final String DEFAULT_NVML_LIBRARY = "libnvidia-ml.so.1";

  /** What names the built-in mock GPUs in messages and descriptions. */
  public static final String BUILT_IN_MOCK = "built-in mock GPUs";

  private static final System.Logger LOG = System.getLogger(GpuProbes.class.getName());

  private GpuProbes() {}

  /** NVML from {@value #DEFAULT_NVML_LIBRARY} on the system library path (dlopen's search). */
  public static GpuProbeResult nvml() {
    return NvmlGpuProbe.open();
  }

  /** NVML from an explicit library file. */
  public static GpuProbeResult nvml(Path library) {
    return NvmlGpuProbe.open(library);
  }

  /**
   * GPUs described by a mock file (YAML, or JSON when the name ends in {@code .json}); time
   * functions run on {@link System#nanoTime()} from now.
   *
   * @throws MockConfigException naming the file and the path of the first invalid value
   */
  public static GpuProbe mock(Path file) {
    return MockGpuProbe.open(file);
  }

  /**
   * The built-in mock GPUs (two H100s, one busy and one idle; {@code
   * dev/loadfuse/nvml/mock/built-in-gpus.yaml}), for a sidecar that has neither a driver nor a
   * mock file.
   */
  public static GpuProbe builtInMock() {
    String text;
    try (InputStream in = GpuProbes.class.getResourceAsStream("/dev/loadfuse/nvml/mock/built-in-gpus.yaml")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return MockGpuProbe.of(MockGpuConfig.parse(text, BUILT_IN_MOCK), BUILT_IN_MOCK, System::nanoTime);
  }

  /** No GPUs; {@code reason} says why. */
  public static GpuProbe none(String reason) {
    return new NoGpuProbe(reason);
  }

  /**
   * Opens the probe {@code kind} names, as every program of loadfuse does:
   *
   * <ul>
   *   <li>{@code auto}: NVML when it loads, else none, with one log line ({@code no GPU telemetry:
   *       REASON (use --mock-gpus FILE for local runs)});
   *   <li>{@code nvml}: NVML, else an {@link UnavailableException} ({@code NVML unavailable:
   *       REASON});
   *   <li>{@code mock}: the mock file (required);
   *   <li>{@code none}: no GPUs;
   *   <li>{@code nvml-or-mock}: NVML when it loads, else the mock file or, without one, the
   *       {@linkplain #builtInMock() built-in mock GPUs}, with one log line.
   * </ul>
   *
   * @param mockGpus the mock GPU file; null for none
   * @param nvmlLibrary the NVML library file; null for the system library path
   * @throws MockConfigException for an invalid or unreadable mock file
   * @throws UnavailableException when NVML is demanded ({@code nvml}) and does not load
   * @throws IllegalArgumentException for {@code mock} without a file
   */
  public static GpuProbe open(GpuProbeKind kind, Path mockGpus, Path nvmlLibrary) {
    return switch (kind) {
      case NONE -> none("GPU probe disabled (--gpu-probe none)");
      case MOCK -> {
        if (mockGpus == null) {
          throw new IllegalArgumentException("gpuProbe: mock needs mockGpus (a mock GPU file)");
        }
        yield mock(mockGpus);
      }
      case NVML -> switch (nvmlAt(nvmlLibrary)) {
        case GpuProbeResult.Available a -> a.probe();
        case GpuProbeResult.Unavailable u -> throw new UnavailableException("NVML unavailable: " + u.reason());
      };
      case AUTO -> switch (nvmlAt(nvmlLibrary)) {
        case GpuProbeResult.Available a -> a.probe();
        case GpuProbeResult.Unavailable u -> {
          LOG.log(System.Logger.Level.INFO, "no GPU telemetry: " + u.reason() + " (use --mock-gpus FILE for local runs)");
          yield none(u.reason());
        }
      };
      case NVML_OR_MOCK -> switch (nvmlAt(nvmlLibrary)) {
        case GpuProbeResult.Available a -> a.probe();
        case GpuProbeResult.Unavailable u -> {
          GpuProbe mock = mockGpus == null ? builtInMock() : mock(mockGpus);
          LOG.log(System.Logger.Level.INFO, "no NVML (" + u.reason() + "); reading "
              + (mockGpus == null ? "the " + BUILT_IN_MOCK : "mock GPUs from " + mockGpus) + " instead");
          yield mock;
        }
      };
    };
  }

  private static GpuProbeResult nvmlAt(Path library) {
    return library == null ? nvml() : nvml(library);
  }
}
