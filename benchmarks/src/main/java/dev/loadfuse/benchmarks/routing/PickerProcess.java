package dev.loadfuse.benchmarks.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The real picker ({@code PickerMain}, with its in-process sidecar scraping the simulated engines)
 * in a child JVM on loopback, so that what it adds to a request is measured apart from the
 * simulator's threads and garbage collector. Started with the class path and the {@code java} of
 * this JVM; stopped (and killed after 10 s) on {@link #close()}.
 */
public final class PickerProcess implements AutoCloseable {

  /** JVM flags of the child: the container's (k8s/base/picker-deployment.yaml) with a fixed heap. */
  static final List<String> JVM_FLAGS =
      List.of("-XX:-UsePerfData", "-Xms256m", "-Xmx512m", "-XX:+ExitOnOutOfMemoryError", "--enable-native-access=ALL-UNNAMED");

  private static final Pattern SERVING =
      Pattern.compile("ext_proc on :(\\d+), health on :(\\d+), metrics on :(\\d+)");

  private final Process process;
  private final int grpcPort;
  private final int metricsPort;
  private final Deque<String> lastLines;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private PickerProcess(Process process, int grpcPort, int metricsPort, Deque<String> lastLines) {
    this.process = process;
    this.grpcPort = grpcPort;
    this.metricsPort = metricsPort;
    this.lastLines = lastLines;
  }

  /** The real-time priority of a {@code realtime} picker: above every normal thread, far below the kernel's. */
  static final int REALTIME_PRIORITY = 10;

  /**
   * Starts the picker with {@code configText} over the endpoints of {@code endpointsFile}, TLS off,
   * every port chosen by the system; returns once it printed its serving line.
   *
   * @param realtime run it under {@code chrt --rr} (see {@link PickerPlacement#CHILD_REALTIME})
   */
  public static PickerProcess start(String configText, Path endpointsFile, Duration scrapeInterval, boolean realtime)
      throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    if (realtime) {
      cmd.addAll(List.of("chrt", "--rr", Integer.toString(REALTIME_PRIORITY)));
    }
    cmd.add(ProcessHandle.current().info().command().orElse("java"));
    cmd.addAll(JVM_FLAGS);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.loadfuse.picker.cli.PickerMain",
        "--endpoints-file", endpointsFile.toString(), "--config-text", configText, "--secure-serving=false",
        "--grpc-port", "0", "--grpc-health-port", "0", "--metrics-port", "0", "--gpu-probe", "none",
        "--refresh-metrics-interval", scrapeInterval.toMillis() + "ms", "--drain-timeout=0",
        "--tracing=false")); // as the reference chart runs it; SchedulingBenchmark -p trace=... measures what tracing adds
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Deque<String> lastLines = new ArrayDeque<>();
    CompletableFuture<Matcher> serving = new CompletableFuture<>();
    Thread reader = Thread.ofPlatform().daemon().name("picker-process-output").start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          synchronized (lastLines) {
            lastLines.addLast(line);
            if (lastLines.size() > 20) {
              lastLines.removeFirst();
            }
          }
          Matcher m = SERVING.matcher(line);
          if (m.find()) {
            serving.complete(m);
          }
        }
      } catch (IOException e) {
        // the process ended; its exit is reported below
      }
      serving.completeExceptionally(new IllegalStateException("picker process ended before serving"));
    });
    try {
      Matcher m = serving.get(60, TimeUnit.SECONDS);
      return new PickerProcess(p, Integer.parseInt(m.group(1)), Integer.parseInt(m.group(3)), lastLines);
    } catch (Exception e) {
      p.destroyForcibly();
      reader.join(2000);
      String output;
      synchronized (lastLines) {
        output = String.join("\n", lastLines);
      }
      throw new IllegalStateException("picker process did not start (" + e.getMessage() + "); its output:\n" + output, e);
    }
  }

  /**
   * Checks that this user may start a process under the real-time round-robin policy; otherwise an
   * {@link IllegalArgumentException} that says why, for {@code --picker-process realtime}.
   */
  public static void checkRealtimeAllowed() {
    String why;
    try {
      Process p = new ProcessBuilder("chrt", "--rr", Integer.toString(REALTIME_PRIORITY), "true")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      if (p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0) {
        return;
      }
      why = out.isEmpty() ? "chrt exited with " + p.exitValue() : out;
    } catch (IOException e) {
      why = "chrt (util-linux) is not on the PATH: " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      why = "interrupted";
    }
    throw new IllegalArgumentException("--picker-process realtime: cannot run a process under the real-time"
        + " round-robin policy (" + why + "); it needs root or CAP_SYS_NICE, or use --picker-process true");
  }

  /** The kernel's scheduling policy number of the picker's main thread (0 normal, 2 round-robin). */
  int schedulingPolicy() throws IOException {
    String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Integer.parseInt(fields[38]); // field 41 of proc(5); fields[0] is field 3
  }

  public int grpcPort() {
    return grpcPort;
  }

  /** Waits until the picker's {@code /v1/endpoints} lists {@code endpoints} routable ones with engine samples. */
  public void awaitReady(int endpoints, Duration timeout) throws IOException, InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    ObjectMapper json = new ObjectMapper();
    int ready = 0;
    while (System.nanoTime() < end) {
      if (!process.isAlive()) {
        throw new IllegalStateException("picker process exited with " + process.exitValue() + "; its output:\n"
            + output());
      }
      ready = 0;
      for (JsonNode e : json.readTree(get("/v1/endpoints")).path("endpoints")) {
        if (e.path("routable").asBoolean() && e.path("engineSampleAgeMs").isNumber()) {
          ready++;
        }
      }
      if (ready >= endpoints) {
        return;
      }
      Thread.sleep(20);
    }
    throw new IllegalStateException("picker process: " + ready + " of " + endpoints + " endpoints routable with"
        + " engine samples after " + timeout);
  }

  /** The picker's {@code /metrics} page. */
  public String metricsText() throws IOException, InterruptedException {
    return get("/metrics");
  }

  private String get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("picker process GET " + path + ": HTTP " + r.statusCode());
    }
    return r.body();
  }

  private String output() {
    synchronized (lastLines) {
      return String.join("\n", lastLines);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
