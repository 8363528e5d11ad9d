package dev.loadfuse.sidecar.cli;

import dev.loadfuse.common.errors.Problems;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code sidecar.jar}: one subcommand per tool.
 *
 * <p>Exit codes shared by every subcommand, and with {@code picker.jar} ({@link Problems}): 0
 * success, 2 bad arguments / unreadable input / invalid configuration (one line on stderr), 3 a
 * required runtime facility is unavailable (e.g. no NVML), 1 the JVM failed (out of memory).
 */
@Command(
    name = "sidecar.jar",
    mixinStandardHelpOptions = true,
    versionProvider = SidecarMain.Version.class,
    description = "loadfuse node sidecar and its inspection tools.",
    subcommands = {RunCommand.class, InspectCommand.class, GpusCommand.class, KvEventsCommand.class,
      CommandLine.HelpCommand.class})
public final class SidecarMain {

  public static final int EXIT_OK = Problems.EXIT_OK;
  public static final int EXIT_USAGE = Problems.EXIT_USAGE;
  public static final int EXIT_UNAVAILABLE = Problems.EXIT_UNAVAILABLE;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  /** Runs the command line and returns the exit code; used by tests to avoid System.exit. */
  public static int run(String... args) {
    return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Like {@link #run(String...)}, writing to {@code out} and {@code err} (for tests). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    return commandLine(out, err).execute(args);
  }

  /**
   * The configured command line, not yet executed; tests reach a subcommand's hooks through
   * {@code getSubcommands()} (picocli creates the subcommand objects here, once).
   */
  static CommandLine commandLine(PrintWriter out, PrintWriter err) {
    CommandLine cli = new CommandLine(new SidecarMain()).setOut(out).setErr(err);
    cli.setParameterExceptionHandler(
        (ex, ignored) -> {
          ex.getCommandLine().getErr().println(ex.getCommandLine().getCommandName() + ": " + ex.getMessage());
          return EXIT_USAGE;
        });
    return cli;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SidecarMain.class.getPackage().getImplementationVersion();
      return new String[] {"loadfuse sidecar " + (v == null ? "dev" : v)};
    }
  }
}
