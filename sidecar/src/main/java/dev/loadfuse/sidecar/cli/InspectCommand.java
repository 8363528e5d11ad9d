package dev.loadfuse.sidecar.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

@Command(name = "inspect", description = "(being built)")
final class InspectCommand implements Callable<Integer> {
  @Override
  public Integer call() {
    System.err.println("inspect: not built yet");
    return SidecarMain.EXIT_USAGE;
  }
}
