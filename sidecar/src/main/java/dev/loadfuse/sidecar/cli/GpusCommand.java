package dev.loadfuse.sidecar.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "gpus", description = "(being built)")
final class GpusCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("gpus: not built yet");
    return SidecarMain.EXIT_USAGE;
  }
}
