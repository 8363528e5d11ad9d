package dev.loadfuse.sidecar.cli;

import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuProbeResult;
import dev.loadfuse.nvml.GpuProbes;
import dev.loadfuse.nvml.NvmlException;
import dev.loadfuse.nvml.mock.MockConfigException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gpus}: reads the node's GPUs (NVML, or a mock file) and prints one JSON object per
 * sample on stdout. Exit 3 with one line on stderr when NVML is unavailable; exit 2 for bad
 * arguments or an invalid mock file.
 */
@Command(
    name = "gpus",
    mixinStandardHelpOptions = true,
    description = {
      "Reads the GPUs of this machine through NVML, or mock GPUs from a file, and prints one JSON object per sample.",
    })
final class GpusCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--nvml-library",
      paramLabel = "PATH",
      description = "NVML library file (default: libnvidia-ml.so.1 from the system library path).")
  Path nvmlLibrary;

  @Option(
      names = "--mock-gpus",
      paramLabel = "FILE",
      description = "Read mock GPUs described in FILE (YAML, or JSON for *.json) instead of NVML.")
  Path mockGpus;

  @Option(names = "--samples", paramLabel = "N", defaultValue = "1", description = "Samples to print (default: ${DEFAULT-VALUE}).")
  int samples;

  @Option(
      names = "--interval-ms",
      paramLabel = "MS",
      defaultValue = "1000",
      description = "Milliseconds between samples (default: ${DEFAULT-VALUE}).")
  long intervalMs;

  @Override
  public Integer call() throws InterruptedException {
    if (nvmlLibrary != null && mockGpus != null) {
      throw usage("--nvml-library and --mock-gpus cannot be used together (choose one)");
    }
    if (samples < 1) {
      throw usage("--samples: " + samples + " (expected: >= 1)");
    }
    if (intervalMs < 0) {
      throw usage("--interval-ms: " + intervalMs + " (expected: >= 0)");
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();

    GpuProbe probe;
    if (mockGpus != null) {
      try {
        probe = GpuProbes.mock(mockGpus);
      } catch (MockConfigException e) {
        err.println("gpus: " + Problems.message(e));
        err.flush();
        return Problems.exitCode(e);
      }
    } else {
      GpuProbeResult result = nvmlLibrary == null ? GpuProbes.nvml() : GpuProbes.nvml(nvmlLibrary);
      if (result instanceof GpuProbeResult.Unavailable(String reason)) {
        err.println("gpus: NVML unavailable: " + reason + "; use --mock-gpus FILE to run without GPUs");
        err.flush();
        return SidecarMain.EXIT_UNAVAILABLE;
      }
      probe = result.orNone();
    }

    try (probe) {
      long start = System.nanoTime();
      for (int i = 0; i < samples; i++) {
        if (i > 0) {
          // Fixed rate: sample i is due i intervals after the first, however long printing took.
          long dueIn = start + TimeUnit.MILLISECONDS.toNanos(intervalMs) * i - System.nanoTime();
          if (dueIn > 0) {
            TimeUnit.NANOSECONDS.sleep(dueIn);
          }
        }
        out.println(GpuJson.line(probe.sample()));
        out.flush();
      }
    } catch (NvmlException e) {
      err.println("gpus: " + Problems.message(e));
      err.flush();
      return SidecarMain.EXIT_UNAVAILABLE;
    }
    return SidecarMain.EXIT_OK;
  }

  // Handled by SidecarMain's parameter exception handler: one line, exit 2.
  private ParameterException usage(String message) {
    return new ParameterException(spec.commandLine(), message);
  }
}
