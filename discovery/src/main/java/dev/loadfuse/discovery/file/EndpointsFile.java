package dev.loadfuse.discovery.file;

import dev.loadfuse.common.settings.BoundedFiles;
import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsReader;
import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a static endpoints file (local mode), strictly.
 *
 * <pre>{@code
 * pool:
 *   name: local-pool
 *   annotations: {inference.networking.x-k8s.io/model-server-runtime: sglang}  # optional
 * endpoints:                      # required; [] is allowed (no model server on this node yet)
 *   - name: vllm-0                # required, unique in the file
 *     address: 127.0.0.1          # required: IPv4, IPv6 or hostname
 *     port: 8000                  # required: [1, 65535]
 *     labels: {inference.networking.k8s.io/engine-type: vllm}   # optional
 *     metricsPath: /metrics       # optional, default /metrics
 *     metricsPort: 8000           # optional, default port
 *     gpus: [GPU-1b2c3d4e-...]    # optional: GPU/MIG UUIDs this endpoint uses
 * }</pre>
 *
 * <p>YAML, or JSON when the file name ends in {@code .json}, read with the strict settings reader
 * ({@link SettingsReader}): unknown keys ({@code endpoints.yaml: endpoints[0]: unknown key
 * "lables" (known: name, address, ...) (line 7)}), duplicate keys, numbers written as strings or
 * fractions, and trailing documents are errors. Every error is a {@link DiscoveryException} whose
 * message starts with the file and names the entry, e.g. {@code endpoints.yaml: endpoints[1]
 * (vllm-1): port: 70000 (expected: [1, 65535])}, and the line where the reader knows it.
 *
 * <p>Thread-safe (stateless).
 */
public final class EndpointsFile {

  /** Files larger than this are rejected rather than read (before reading, or while reading a pipe). */
  public static final long MAX_SIZE_BYTES = 1 << 20;
  /** What the size message calls the file. */
  static final String WHAT = "an endpoints file";

  private static final SettingsReader READER =
      SettingsReader.strict().reportLines(true).limit(MAX_SIZE_BYTES, WHAT);
  private static final List<String> TOP_KEYS = List.of("pool", "endpoints");
  private static final List<String> POOL_KEYS = List.of("name", "annotations");
  private static final List<String> ENDPOINT_KEYS =
      List.of("name", "address", "port", "labels", "metricsPath", "metricsPort", "gpus");

  private EndpointsFile() {}

  /**
   * Reads and validates {@code file}.
   *
   * @throws DiscoveryException when the file cannot be read or is invalid
   */
  public static EndpointSet load(Path file) {
    return parse(file.toString(), read(file), isJson(file));
  }

  /** Reads {@code file}'s bytes, at most {@link #MAX_SIZE_BYTES} ({@link BoundedFiles}). */
  static byte[] read(Path file) {
    try {
      return BoundedFiles.read(file, MAX_SIZE_BYTES, WHAT);
    } catch (SettingsException e) {
      throw new DiscoveryException(e.getMessage(), e);
    }
  }

  static boolean isJson(Path file) {
    return SettingsReader.Format.of(file) == SettingsReader.Format.JSON;
  }

  /**
   * Parses and validates a file's content.
   *
   * @param source what to call the content in messages (usually the path)
   * @param json JSON rather than YAML
   * @throws DiscoveryException naming {@code source} and the offending entry
   */
  public static EndpointSet parse(String source, byte[] content, boolean json) {
    try {
      SettingsNode root = READER.parse(source, new String(content, StandardCharsets.UTF_8),
          json ? SettingsReader.Format.JSON : SettingsReader.Format.YAML);
      if (root.isMissing()) {
        throw new DiscoveryException(source + ": empty document (expected: pool and endpoints)");
      }
      return validate(source, root);
    } catch (SettingsException e) {
      throw new DiscoveryException(e.getMessage(), e);
    }
  }

  private static EndpointSet validate(String source, SettingsNode root) {
    root.requireMap("a map with pool and endpoints").keys(TOP_KEYS);
    SettingsNode poolNode = root.get("pool");
    if (poolNode.isMissing()) {
      throw new DiscoveryException(source + ": pool: missing");
    }
    poolNode.requireMap("a map with name").keys(POOL_KEYS);
    String poolName = poolNode.string("name", null);
    if (poolName == null) {
      throw new DiscoveryException(source + ": pool.name: missing");
    }
    SettingsNode list = root.get("endpoints");
    if (list.isMissing()) {
      throw new DiscoveryException(
          source + ": endpoints: missing (write `endpoints: []` for none)");
    }
    PoolRef pool = PoolRef.local(poolName);
    Map<String, String> annotations = strings(source + ": ", "pool.annotations", poolNode.get("annotations"));
    List<Endpoint> out = new ArrayList<>(list.size());
    Map<String, Integer> firstIndex = new HashMap<>();
    for (SettingsNode e : list.elements()) {
      String at = e.path();
      if (e.isMissing()) {
        throw new DiscoveryException(source + ": " + at + ": empty entry");
      }
      e.requireMap("a map with name, address and port").keys(ENDPOINT_KEYS);
      String name = e.string("name", null);
      if (name == null) {
        throw new DiscoveryException(source + ": " + at + ": name: missing");
      }
      Integer first = firstIndex.putIfAbsent(name, firstIndex.size());
      if (first != null) {
        throw new DiscoveryException(
            source + ": " + at + ": duplicate name \"" + name + "\" (first at endpoints[" + first + "])");
      }
      String entry = source + ": " + at + " (" + name + "): ";
      if (e.get("address").isMissing()) {
        throw new DiscoveryException(entry + "address: missing");
      }
      String address = e.get("address").asString();
      if (e.get("port").isMissing()) {
        throw new DiscoveryException(entry + "port: missing");
      }
      // Ranges are the endpoint's to check (its messages name the entry).
      int port = e.get("port").asInt(Integer.MIN_VALUE, Integer.MAX_VALUE);
      SettingsNode metricsPort = e.get("metricsPort");
      SettingsNode metricsPath = e.get("metricsPath");
      List<String> gpus = new ArrayList<>();
      for (SettingsNode g : e.get("gpus").elements()) {
        gpus.add(g.asString());
      }
      Map<String, String> labels = strings(entry, "labels", e.get("labels"));
      try {
        out.add(
            Endpoint.builder(name, address, port, pool)
                .labels(labels)
                .poolAnnotations(annotations)
                .metricsPath(metricsPath.isMissing() ? null : metricsPath.asString())
                .metricsPort(metricsPort.isMissing() ? null : metricsPort.asInt(Integer.MIN_VALUE, Integer.MAX_VALUE))
                .gpus(gpus)
                .build());
      } catch (IllegalArgumentException ex) {
        throw new DiscoveryException(entry + ex.getMessage(), ex);
      }
    }
    return new EndpointSet(out);
  }

  /** A map of strings; a null value is named (an empty string is allowed). */
  private static Map<String, String> strings(String where, String field, SettingsNode map) {
    if (map.isMissing()) {
      return Map.of();
    }
    map.requireMap("a map of strings");
    Map<String, String> out = new LinkedHashMap<>();
    for (String key : map.fieldNames()) {
      SettingsNode v = map.get(key);
      if (v.raw().isNull()) {
        throw new DiscoveryException(where + field + "." + key
            + ": null (expected: a string, possibly \"\")");
      }
      out.put(key, v.asString());
    }
    return out;
  }
}
