package dev.loadfuse.sidecar.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loadfuse.common.errors.Redact;
import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.engine.EngineMetricsExtractor;
import dev.loadfuse.engine.EngineSample;
import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.engine.config.EngineConfig;
import dev.loadfuse.engine.config.EngineConfigException;
import dev.loadfuse.engine.config.EngineConfigLoader;
import dev.loadfuse.engine.config.ModelServerMetricsConfig;
import dev.loadfuse.engine.prometheus.PageBuffer;
import dev.loadfuse.engine.prometheus.PageTooLargeException;
import dev.loadfuse.engine.prometheus.PrometheusTextParser;
import dev.loadfuse.engine.prometheus.ParseError;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code inspect}: reads one /metrics page (a file, {@code -} for stdin, or an http(s) URL),
 * extracts the engine load with the same code the sidecar uses, and prints it as one JSON object.
 * A way to check an engine configuration against a real server before deploying it.
 */
@Command(
    name = "inspect",
    mixinStandardHelpOptions = true,
    description = {
      "Reads a /metrics page and prints the load an engine reports as one JSON object: engine,"
          + " waitingRequests, runningRequests, kvCacheUsage, lora, cacheBlockSize, numGpuBlocks,"
          + " missing (metrics not found), skippedLines, firstError. Absent values are null.",
      "The engine is --engine, else chosen as the sidecar does: pod label, pool annotation,"
          + " defaultEngine. Exit 0 on success, 2 with one line on stderr otherwise."
    })
final class InspectCommand implements Callable<Integer> {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @Spec private CommandSpec spec;

  @Option(
      names = "--engine",
      paramLabel = "NAME",
      description = "Engine configuration to read the page with (overrides the selection).")
  private String engine;

  @Option(
      names = "--config-file",
      paramLabel = "EPC.yaml",
      description =
          "EndpointPickerConfig whose model-server-protocol-metrics plugin defines the engines"
              + " (default: built-in engines).")
  private Path configFile;

  @Option(
      names = "--pod-label",
      paramLabel = "KEY=VALUE",
      description = "A label of the endpoint's pod, for engine selection (repeatable).")
  private Map<String, String> podLabels = new LinkedHashMap<>();

  @Option(
      names = "--pool-annotation",
      paramLabel = "KEY=VALUE",
      description = "An annotation of the InferencePool, for engine selection (repeatable).")
  private Map<String, String> poolAnnotations = new LinkedHashMap<>();

  @Option(
      names = "--timeout-ms",
      paramLabel = "MS",
      defaultValue = "5000",
      description = "Connect and read timeout for a URL (default: ${DEFAULT-VALUE}).")
  private int timeoutMs;

  @Option(
      names = "--max-page-bytes",
      paramLabel = "BYTES",
      defaultValue = "" + PrometheusTextParser.DEFAULT_MAX_PAGE_BYTES,
      description = "Reject larger pages (default: ${DEFAULT-VALUE}, 16 MiB, the sidecar's limit).")
  private int maxPageBytes;

  @Parameters(
      index = "0",
      paramLabel = "SOURCE",
      description = "A file, - for standard input, or an http(s) URL of a /metrics page.")
  private String source;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      if (timeoutMs < 1) {
        throw new SourceException("--timeout-ms: " + timeoutMs + " (expected: >= 1)");
      }
      if (maxPageBytes < 1) {
        throw new SourceException("--max-page-bytes: " + maxPageBytes + " (expected: >= 1)");
      }
      ModelServerMetricsConfig config =
          configFile == null
              ? ModelServerMetricsConfig.defaults()
              : EngineConfigLoader.fromEndpointPickerConfig(configFile);
      EngineConfig engineConfig =
          engine != null
              ? config.require(engine)
              : config.select(source, podLabels, poolAnnotations).engine();
      PageBuffer page = new PageBuffer(maxPageBytes);
      read(page);
      EngineSample sample =
          EngineMetricsExtractor.forConfig(engineConfig, maxPageBytes)
              .extract(page.array(), 0, page.length());
      out.println(JSON.writeValueAsString(toJson(sample)));
      out.flush();
      return SidecarMain.EXIT_OK;
    } catch (EngineConfigException | PageTooLargeException | SourceException e) {
      err.println("inspect: " + e.getMessage());
      err.flush();
      return SidecarMain.EXIT_USAGE;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write JSON", e);
    }
  }

  private void read(PageBuffer page) {
    String lower = source.toLowerCase(Locale.ROOT);
    if (lower.startsWith("http://") || lower.startsWith("https://")) {
      readUrl(page);
    } else if (source.equals("-")) {
      try {
        page.readFrom(System.in);
      } catch (IOException e) {
        throw new SourceException("cannot read standard input: " + e.getMessage());
      }
    } else {
      readFile(page, Path.of(source));
    }
  }

  private void readFile(PageBuffer page, Path file) {
    try {
      if (Files.isDirectory(file)) {
        throw new SourceException("cannot read " + file + ": is a directory");
      }
      long size = Files.size(file);
      if (size > maxPageBytes) {
        throw new PageTooLargeException(size, maxPageBytes);
      }
      try (InputStream in = Files.newInputStream(file)) {
        page.readFrom(in);
      }
    } catch (NoSuchFileException e) {
      throw new SourceException("cannot read " + file + ": no such file");
    } catch (AccessDeniedException e) {
      throw new SourceException("cannot read " + file + ": permission denied");
    } catch (IOException e) {
      throw new SourceException("cannot read " + file + ": " + e.getMessage());
    }
  }

  private void readUrl(PageBuffer page) {
    URI uri;
    try {
      uri = URI.create(source);
      if (uri.getHost() == null) {
        throw new IllegalArgumentException("no host");
      }
    } catch (IllegalArgumentException e) {
      throw new SourceException("invalid URL " + Redact.text(source) + ": " + e.getMessage());
    }
    Duration timeout = Duration.ofMillis(timeoutMs);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            // Plain text, not protobuf or compressed: the formats the parser reads.
            .header("Accept", "text/plain;version=0.0.4;q=1,application/openmetrics-text;q=0.5,*/*;q=0.1")
            .GET()
            .build();
    try (HttpClient client =
        HttpClient.newBuilder()
            // Metrics endpoints speak HTTP/1.1; the JDK's h2c upgrade attempt can confuse servers
            // that half-support it (seen with a Vert.x server and a large page).
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(timeout)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build()) {
      HttpResponse<InputStream> response =
          client.send(request, HttpResponse.BodyHandlers.ofInputStream());
      try (InputStream body = response.body()) {
        int status = response.statusCode();
        if (status < 200 || status > 299) {
          throw new SourceException("cannot read " + Redact.text(source) + ": HTTP " + status);
        }
        OptionalLong length = response.headers().firstValueAsLong("Content-Length");
        if (length.isPresent() && length.getAsLong() > maxPageBytes) {
          throw new PageTooLargeException(length.getAsLong(), maxPageBytes);
        }
        page.readFrom(body);
      }
    } catch (HttpConnectTimeoutException e) {
      throw new SourceException(
          "cannot read " + Redact.text(source) + ": connection timed out after " + timeoutMs + " ms");
    } catch (HttpTimeoutException e) {
      throw new SourceException("cannot read " + Redact.text(source) + ": timed out after " + timeoutMs + " ms");
    } catch (ConnectException e) {
      throw new SourceException("cannot read " + Redact.text(source) + ": connection refused");
    } catch (IOException e) {
      throw new SourceException("cannot read " + Redact.text(source) + ": " + describe(e));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SourceException("cannot read " + Redact.text(source) + ": interrupted");
    }
  }

  private static String describe(IOException e) {
    // HttpClient wraps the useful exception (unknown host, reset) with a null message.
    return Problems.message(e);
  }

  static ObjectNode toJson(EngineSample s) {
    ObjectNode o = JSON.createObjectNode();
    o.put("engine", s.engine());
    putCount(o, "waitingRequests", s.waitingRequests());
    putCount(o, "runningRequests", s.runningRequests());
    if (s.kvCacheUsage().isPresent()) {
      o.put("kvCacheUsage", s.kvCacheUsage().getAsDouble());
    } else {
      o.putNull("kvCacheUsage");
    }
    if (s.lora().isPresent()) {
      LoraInfo l = s.lora().get();
      ObjectNode lora = o.putObject("lora");
      ArrayNode running = lora.putArray("running");
      l.runningAdapters().forEach(running::add);
      ArrayNode waiting = lora.putArray("waiting");
      l.waitingAdapters().forEach(waiting::add);
      if (l.maxLora().isPresent()) {
        lora.put("maxLora", l.maxLora().getAsInt());
      } else {
        lora.putNull("maxLora");
      }
    } else {
      o.putNull("lora");
    }
    putLong(o, "cacheBlockSize", s.cacheBlockSize());
    putLong(o, "numGpuBlocks", s.numGpuBlocks());
    ArrayNode missing = o.putArray("missing");
    s.missing().forEach(missing::add);
    o.put("skippedLines", s.skippedLines());
    if (s.firstError().isPresent()) {
      ParseError e = s.firstError().get();
      o.putObject("firstError").put("line", e.line()).put("reason", e.reason());
    } else {
      o.putNull("firstError");
    }
    return o;
  }

  /** Counts are sums of gauges: integral in practice, written as JSON integers when they are. */
  private static void putCount(ObjectNode o, String key, OptionalDouble v) {
    if (v.isEmpty()) {
      o.putNull(key);
      return;
    }
    double d = v.getAsDouble();
    if (d == Math.rint(d) && Math.abs(d) < 0x1p53) {
      o.put(key, (long) d);
    } else {
      o.put(key, d);
    }
  }

  private static void putLong(ObjectNode o, String key, OptionalLong v) {
    if (v.isPresent()) {
      o.put(key, v.getAsLong());
    } else {
      o.putNull(key);
    }
  }

  /** A source that cannot be read, or a bad option value: one line for the user. */
  private static final class SourceException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SourceException(String message) {
      super(message);
    }
  }
}
