package dev.loadfuse.picker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.picker.server.PickerServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code picker.jar ARGS} run in this JVM through {@link PickerMain}'s command line, until {@link #stop()}. */
final class RunningPicker implements AutoCloseable {

  final PickerServer server;
  final StringWriter out;
  final StringWriter err;
  private final PickerMain main;
  private final CompletableFuture<Integer> exit;

  private RunningPicker(PickerMain main, PickerServer server, StringWriter out, StringWriter err,
      CompletableFuture<Integer> exit) {
    this.main = main;
    this.server = server;
    this.out = out;
    this.err = err;
    this.exit = exit;
  }

  /** Starts it and waits (bounded) until it serves; fails with its stderr when it exits first. */
  static RunningPicker start(String... given) throws Exception {
    return start(null, given);
  }

  /** The same against a Kubernetes API server (a mock's client). */
  static RunningPicker start(io.fabric8.kubernetes.client.KubernetesClient client, String... given) throws Exception {
    // Stop at once unless the test drains (the reference's 30 s drain would slow every test).
    String[] args = java.util.Arrays.stream(given).anyMatch(a -> a.startsWith("--drain-timeout")) ? given
        : java.util.stream.Stream.concat(java.util.Arrays.stream(given), java.util.stream.Stream.of("--drain-timeout=0"))
            .toArray(String[]::new);
    PickerMain main = new PickerMain();
    main.kubernetesClient = client;
    CompletableFuture<PickerServer> serving = new CompletableFuture<>();
    main.onServing = serving::complete;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() ->
        PickerMain.commandLine(main, new PrintWriter(out, true), new PrintWriter(err, true)).execute(args),
        // Its own thread: on a 2-core machine the common pool has one thread, which fabric8's
        // client needs too (a picker blocking it starves the informers' first listing).
        r -> Thread.ofPlatform().daemon().name("running-picker").start(r));
    PickerServer server = CompletableFuture.anyOf(serving, exit).thenApply(x -> serving.getNow(null))
        .get(60, TimeUnit.SECONDS);
    assertThat(server).as("picker started; stderr: %s", err).isNotNull();
    return new RunningPicker(main, server, out, err, exit);
  }

  /** Stops it as SIGTERM would; returns the exit code. */
  int stop() throws Exception {
    main.stopSignal.countDown();
    return exit.get(60, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws Exception {
    assertThat(stop()).as("exit code; stderr: %s", err).isZero();
  }
}
