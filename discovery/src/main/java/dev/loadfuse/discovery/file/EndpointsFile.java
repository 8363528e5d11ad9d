package dev.loadfuse.discovery.file;

import com.fasterxml.jackson.core.JacksonException;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.MarkedYAMLException;

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
 * <p>YAML, or JSON when the file name ends in {@code .json}. Unknown keys, duplicate keys, numbers
 * written as strings or fractions, and trailing documents are errors. Every error is a {@link
 * DiscoveryException} whose message starts with the file and names the entry, e.g. {@code
 * endpoints.yaml: endpoints[1] (vllm-1): port: 70000 (expected: [1, 65535])}.
 *
 * <p>Thread-safe (stateless).
 */
public final class EndpointsFile {

  /** Files larger than this are rejected rather than read. */
  public static final long MAX_SIZE_BYTES = 1 << 20;

  private static final ObjectReader YAML = reader(YAMLMapper.builder());
  private static final ObjectReader JSON = reader(JsonMapper.builder());
  private static final Pattern DUPLICATE_FIELD = Pattern.compile("Duplicate field '(.*)'");

  private EndpointsFile() {}

  private static ObjectReader reader(
      com.fasterxml.jackson.databind.cfg.MapperBuilder<?, ?> builder) {
    ObjectMapper mapper =
        builder
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .build();
    return mapper.readerFor(FileDoc.class);
  }

  /**
   * Reads and validates {@code file}.
   *
   * @throws DiscoveryException when the file cannot be read or is invalid
   */
  public static EndpointSet load(Path file) {
    return parse(file.toString(), read(file), isJson(file));
  }

  /** Reads {@code file}'s bytes, at most {@link #MAX_SIZE_BYTES}. */
  static byte[] read(Path file) {
    try {
      long size = Files.size(file);
      if (size > MAX_SIZE_BYTES) {
        throw new DiscoveryException(
            file + ": " + size + " bytes (expected: at most " + MAX_SIZE_BYTES + ")");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new DiscoveryException(file + ": cannot read: no such file", e);
    } catch (IOException e) {
      throw new DiscoveryException(file + ": cannot read: " + e, e);
    }
  }

  static boolean isJson(Path file) {
    Path name = file.getFileName();
    return name != null && name.toString().toLowerCase(java.util.Locale.ROOT).endsWith(".json");
  }

  /**
   * Parses and validates a file's content.
   *
   * @param source what to call the content in messages (usually the path)
   * @param json JSON rather than YAML
   * @throws DiscoveryException naming {@code source} and the offending entry
   */
  public static EndpointSet parse(String source, byte[] content, boolean json) {
    FileDoc doc;
    try {
      doc = (json ? JSON : YAML).readValue(content);
    } catch (IOException e) {
      throw new DiscoveryException(source + ": " + describe(e, json), e);
    }
    if (doc == null) {
      throw new DiscoveryException(source + ": empty document (expected: pool and endpoints)");
    }
    return validate(source, doc);
  }

  private static EndpointSet validate(String source, FileDoc doc) {
    if (doc.pool == null) {
      throw new DiscoveryException(source + ": pool: missing");
    }
    if (doc.pool.name == null || doc.pool.name.isBlank()) {
      throw new DiscoveryException(source + ": pool.name: missing");
    }
    if (doc.endpoints == null) {
      throw new DiscoveryException(
          source + ": endpoints: missing (write `endpoints: []` for none)");
    }
    PoolRef pool = PoolRef.local(doc.pool.name);
    Map<String, String> annotations;
    try {
      annotations = checkStrings("pool.annotations", doc.pool.annotations);
    } catch (IllegalArgumentException e) {
      throw new DiscoveryException(source + ": " + e.getMessage(), e);
    }
    List<Endpoint> out = new ArrayList<>(doc.endpoints.size());
    Map<String, Integer> firstIndex = new HashMap<>();
    for (int i = 0; i < doc.endpoints.size(); i++) {
      EndpointDoc e = doc.endpoints.get(i);
      String at = "endpoints[" + i + "]";
      if (e == null) {
        throw new DiscoveryException(source + ": " + at + ": empty entry");
      }
      if (e.name == null || e.name.isBlank()) {
        throw new DiscoveryException(source + ": " + at + ": name: missing");
      }
      Integer first = firstIndex.putIfAbsent(e.name, i);
      if (first != null) {
        throw new DiscoveryException(
            source + ": " + at + ": duplicate name \"" + e.name + "\" (first at endpoints[" + first + "])");
      }
      String entry = source + ": " + at + " (" + e.name + "): ";
      if (e.address == null) {
        throw new DiscoveryException(entry + "address: missing");
      }
      if (e.port == null) {
        throw new DiscoveryException(entry + "port: missing");
      }
      try {
        out.add(
            Endpoint.builder(e.name, e.address, e.port, pool)
                .labels(checkStrings("labels", e.labels))
                .poolAnnotations(annotations)
                .metricsPath(e.metricsPath)
                .metricsPort(e.metricsPort)
                .gpus(e.gpus)
                .build());
      } catch (IllegalArgumentException ex) {
        throw new DiscoveryException(entry + ex.getMessage(), ex);
      }
    }
    return new EndpointSet(out);
  }

  private static Map<String, String> checkStrings(String field, Map<String, String> map) {
    if (map == null) {
      return Map.of();
    }
    for (Map.Entry<String, String> e : map.entrySet()) {
      if (e.getValue() == null) {
        throw new IllegalArgumentException(
            field + "." + e.getKey() + ": null (expected: a string, possibly \"\")");
      }
    }
    return map;
  }

  // Turns Jackson's messages into "path: problem (line L, column C)".
  private static String describe(IOException e, boolean json) {
    MarkedYAMLException yaml = cause(e, MarkedYAMLException.class);
    if (yaml != null) {
      String context = yaml.getContext() == null ? "" : yaml.getContext() + ": ";
      var mark = yaml.getProblemMark();
      return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1)
          + ": invalid YAML: " + context + yaml.getProblem();
    }
    if (!(e instanceof JacksonException je)) {
      return "cannot read: " + e;
    }
    String where = where(je.getLocation());
    String path = e instanceof JsonMappingException jm ? path(jm) : "";
    String prefix = path.isEmpty() ? "" : path + ": ";
    StreamReadException syntax = cause(e, StreamReadException.class);
    if (syntax != null) {
      String original = syntax.getOriginalMessage();
      Matcher dup = DUPLICATE_FIELD.matcher(original == null ? "" : original);
      if (dup.find()) {
        return prefix + "duplicate key \"" + dup.group(1) + "\"" + where;
      }
      return "invalid " + (json ? "JSON" : "YAML") + where(syntax.getLocation()) + ": " + firstLine(original);
    }
    String original = je.getOriginalMessage();
    if (e instanceof UnrecognizedPropertyException u) {
      return prefix + "unknown key (expected one of: "
          + String.join(", ", new TreeSet<>(u.getKnownPropertyIds().stream().map(String::valueOf).toList()))
          + ")" + lineOnly(je.getLocation());
    }
    if (e instanceof MismatchedInputException m) {
      if (original != null && original.startsWith("No content to map")) {
        return "empty document (expected: pool and endpoints)";
      }
      if (original != null && original.startsWith("Trailing token")) {
        return "more than one document" + where + " (expected: exactly one)";
      }
      Class<?> target = m.getTargetType();
      if (target != null) {
        return prefix + "expected " + kind(target) + where;
      }
    }
    return prefix + firstLine(original) + where;
  }

  private static String kind(Class<?> target) {
    if (target == Integer.class || target == int.class) {
      return "an integer";
    }
    if (target == String.class) {
      return "a string";
    }
    if (List.class.isAssignableFrom(target)) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(target) || target.getEnclosingClass() == EndpointsFile.class) {
      return "a mapping";
    }
    return "a " + target.getSimpleName();
  }

  private static String where(JsonLocation loc) {
    if (loc == null || loc.getLineNr() < 1) {
      return "";
    }
    return " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
  }

  // For an unknown key Jackson's column points past the value, so only the line is reported.
  private static String lineOnly(JsonLocation loc) {
    return loc == null || loc.getLineNr() < 1 ? "" : " (line " + loc.getLineNr() + ")";
  }

  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (!b.isEmpty()) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    // Jackson appends the source and position, which the caller already reports.
    for (String cut : new String[] {"\n", " (for ", " at [Source"}) {
      int i = s.indexOf(cut);
      if (i >= 0) {
        s = s.substring(0, i);
      }
    }
    return s;
  }

  private static <T extends Throwable> T cause(Throwable t, Class<T> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return type.cast(c);
      }
      if (c.getCause() == c) {
        break;
      }
    }
    return null;
  }

  // Mutable classes rather than records: with a record (a creator) Jackson reports an unknown
  // key at the end of the enclosing mapping instead of at the key.
  private static final class FileDoc {
    public PoolDoc pool;
    public List<EndpointDoc> endpoints;
  }

  private static final class PoolDoc {
    public String name;
    public Map<String, String> annotations;
  }

  private static final class EndpointDoc {
    public String name;
    public String address;
    public Integer port;
    public Map<String, String> labels;
    public String metricsPath;
    public Integer metricsPort;
    public List<String> gpus;
  }
}
