package dev.loadfuse.nvml.mock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.common.settings.SettingsNode;
import dev.loadfuse.common.settings.SettingsReader;
import dev.loadfuse.nvml.ThrottleReason;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalLong;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Strict reader of mock GPU files, on the settings reader ({@link SettingsReader}): duplicate keys,
 * unknown keys ({@code gpus[0]: unknown key "memoryUsed" (known: uuid, ...)}), wrong types and
 * out-of-range values are errors naming the file and the path, e.g. {@code
 * gpus[1].memoryUsedBytes: ramp.to missing}.
 */
final class MockConfigParser {

  private static final List<String> TOP_KEYS = List.of("driverVersion", "gpus");
  private static final List<String> GPU_KEYS = Stream.concat(
          Stream.of("uuid", "name", "throttleReasons", "migEnabled", "faults"),
          Arrays.stream(MockMetric.values()).map(MockMetric::key))
      .toList();
  private static final String REASON_NAMES =
      Arrays.stream(ThrottleReason.values()).map(ThrottleReason::nvmlName).collect(Collectors.joining(", "));

  /** The largest mock GPU file read (a file describing 64 GPUs is ~20 KiB). */
  static final long MAX_FILE_BYTES = 1 << 20;

  private final String source;

  private MockConfigParser(String source) {
    this.source = source;
  }

  static MockGpuConfig load(Path file) {
    SettingsNode root;
    try {
      root = SettingsReader.strict().limit(MAX_FILE_BYTES, "a mock GPU file").read(file);
    } catch (SettingsException e) {
      throw new MockConfigException(e.getMessage(), e);
    }
    return new MockConfigParser(file.toString()).parse(root.raw());
  }

  static MockGpuConfig parse(String yaml, String source) {
    SettingsNode root;
    try {
      root = SettingsReader.strict().parse(source, yaml, SettingsReader.Format.YAML);
    } catch (SettingsException e) {
      throw new MockConfigException(e.getMessage(), e);
    }
    return new MockConfigParser(source).parse(root.raw());
  }

  private MockGpuConfig parse(JsonNode root) {
    if (root == null || root.isMissingNode() || root.isNull()) {
      throw new MockConfigException(source + ": empty (expected: a map with key gpus)");
    }
    Loc top = new Loc("", "");
    requireObject(top, root, String.join(", ", TOP_KEYS));
    checkKeys(top, root, TOP_KEYS);
    Optional<String> driverVersion =
        root.has("driverVersion") ? Optional.of(text(top.field("driverVersion"), root.get("driverVersion"))) : Optional.empty();
    JsonNode gpusNode = required(top, root, "gpus");
    Loc gpusLoc = top.field("gpus");
    if (!gpusNode.isArray()) {
      throw fail(gpusLoc, describe(gpusNode) + " (expected: a list of GPUs)");
    }
    List<MockGpuConfig.Gpu> gpus = new ArrayList<>();
    Map<String, Integer> seenUuids = new HashMap<>();
    for (int i = 0; i < gpusNode.size(); i++) {
      Loc loc = gpusLoc.element(i);
      MockGpuConfig.Gpu gpu = gpu(loc, gpusNode.get(i));
      Integer previous = seenUuids.putIfAbsent(gpu.uuid(), i);
      if (previous != null) {
        throw fail(loc.field("uuid"), gpu.uuid() + " (expected: unique; gpus[" + previous + "] has it too)");
      }
      gpus.add(gpu);
    }
    return new MockGpuConfig(driverVersion, gpus);
  }

  private MockGpuConfig.Gpu gpu(Loc loc, JsonNode node) {
    requireObject(loc, node, String.join(", ", GPU_KEYS));
    checkKeys(loc, node, GPU_KEYS);

    String uuid = text(loc.field("uuid"), required(loc, node, "uuid"));
    String name = text(loc.field("name"), required(loc, node, "name"));
    EnumMap<MockMetric, TimeFunction> metrics = new EnumMap<>(MockMetric.class);
    for (MockMetric m : MockMetric.values()) {
      if (node.has(m.key())) {
        metrics.put(m, metric(loc.field(m.key()), node.get(m.key()), m));
      }
    }
    checkMemoryFits(loc, metrics);
    OptionalLong throttle =
        node.has("throttleReasons")
            ? OptionalLong.of(reasons(loc.field("throttleReasons"), node.get("throttleReasons"), false))
            : OptionalLong.empty();
    Optional<Boolean> mig = Optional.empty();
    if (node.has("migEnabled")) {
      JsonNode v = node.get("migEnabled");
      if (!v.isBoolean()) {
        throw fail(loc.field("migEnabled"), describe(v) + " (expected: true or false)");
      }
      mig = Optional.of(v.booleanValue());
    }
    List<MockFault> faults = new ArrayList<>();
    if (node.has("faults")) {
      JsonNode list = node.get("faults");
      Loc faultsLoc = loc.field("faults");
      if (!list.isArray()) {
        throw fail(faultsLoc, describe(list) + " (expected: a list of faults)");
      }
      for (int i = 0; i < list.size(); i++) {
        faults.add(fault(faultsLoc.element(i), list.get(i)));
      }
    }
    return new MockGpuConfig.Gpu(uuid, name, metrics, throttle, mig, faults);
  }

  private void checkMemoryFits(Loc gpu, Map<MockMetric, TimeFunction> metrics) {
    TimeFunction total = metrics.get(MockMetric.MEMORY_TOTAL_BYTES);
    TimeFunction used = metrics.get(MockMetric.MEMORY_USED_BYTES);
    TimeFunction reserved = metrics.get(MockMetric.MEMORY_RESERVED_BYTES);
    if (total == null || used == null) {
      return;
    }
    double peak = used.max() + (reserved == null ? 0 : reserved.max());
    if (peak > total.min()) {
      throw fail(
          gpu.field(MockMetric.MEMORY_USED_BYTES.key()),
          "up to " + number(used.max())
              + (reserved == null ? "" : " plus memoryReservedBytes up to " + number(reserved.max()))
              + " (expected: at most memoryTotalBytes " + number(total.min()) + ")");
    }
  }

  private TimeFunction metric(Loc loc, JsonNode node, MockMetric metric) {
    TimeFunction f = timeFunction(loc, node);
    if (f.min() < metric.min() || f.max() > metric.max()) {
      double bad = f.min() < metric.min() ? f.min() : f.max();
      String what =
          switch (f) {
            case TimeFunction.Constant c -> number(bad);
            case TimeFunction.Step s -> "step reaches " + number(bad);
            case TimeFunction.Ramp r -> "ramp reaches " + number(bad);
            case TimeFunction.Sine s -> "sine reaches " + number(bad);
          };
      throw fail(loc, what + " (expected: " + metric.rangeText() + ")");
    }
    return f;
  }

  private TimeFunction timeFunction(Loc loc, JsonNode node) {
    if (node.isNumber()) {
      return new TimeFunction.Constant(finite(loc, node));
    }
    if (!node.isObject() || node.size() != 1) {
      throw fail(loc, describe(node) + " (expected: a number, or one of {step: ...}, {ramp: ...}, {sine: ...})");
    }
    String kind = node.fieldNames().next();
    JsonNode args = node.get(kind);
    Loc in = loc.inner(kind);
    return switch (kind) {
      case "step" -> {
        requireObject(in, args, "from, to, atSeconds");
        checkKeys(in, args, List.of("from", "to", "atSeconds"));
        yield new TimeFunction.Step(
            num(in, args, "from"), num(in, args, "to"), nonNegative(in, args, "atSeconds", 0, true));
      }
      case "ramp" -> {
        String keys = "from, to, durationSeconds, startSeconds";
        requireObject(in, args, keys);
        checkKeys(in, args, List.of("from", "to", "durationSeconds", "startSeconds"));
        yield new TimeFunction.Ramp(
            num(in, args, "from"),
            num(in, args, "to"),
            nonNegative(in, args, "startSeconds", 0, false),
            positive(in, args, "durationSeconds"));
      }
      case "sine" -> {
        String keys = "mean, amplitude, periodSeconds, phaseSeconds";
        requireObject(in, args, keys);
        checkKeys(in, args, List.of("mean", "amplitude", "periodSeconds", "phaseSeconds"));
        yield new TimeFunction.Sine(
            num(in, args, "mean"),
            nonNegative(in, args, "amplitude", 0, true),
            positive(in, args, "periodSeconds"),
            args.has("phaseSeconds") ? finite(in.inner("phaseSeconds"), args.get("phaseSeconds")) : 0);
      }
      default -> throw fail(loc, "unknown function '" + kind + "' (expected one of: step, ramp, sine)");
    };
  }

  private MockFault fault(Loc loc, JsonNode node) {
    if (!node.isObject() || node.size() != 1) {
      throw fail(loc, describe(node) + " (expected: one of {lost: ...}, {throttle: ...})");
    }
    String kind = node.fieldNames().next();
    JsonNode args = node.get(kind);
    Loc in = loc.inner(kind);
    return switch (kind) {
      case "lost" -> {
        requireObject(in, args, "afterSamples or atSeconds");
        checkKeys(in, args, List.of("afterSamples", "atSeconds"));
        if (args.has("afterSamples") == args.has("atSeconds")) {
          throw fail(loc, kind + ": needs exactly one of afterSamples, atSeconds");
        }
        if (args.has("afterSamples")) {
          JsonNode n = args.get("afterSamples");
          if (!n.canConvertToExactIntegral() || !n.canConvertToLong() || n.asLong() < 0) {
            throw fail(in.inner("afterSamples"), describe(n) + " (expected: a whole number >= 0)");
          }
          yield new MockFault.LostAfterSamples(n.asLong());
        }
        yield new MockFault.LostAt(nonNegative(in, args, "atSeconds", 0, true));
      }
      case "throttle" -> {
        String keys = "reasons, fromSeconds, untilSeconds";
        requireObject(in, args, keys);
        checkKeys(in, args, List.of("reasons", "fromSeconds", "untilSeconds"));
        long bits = reasons(in.inner("reasons"), required(in, args, "reasons"), true);
        double from = nonNegative(in, args, "fromSeconds", 0, false);
        OptionalDouble until = OptionalDouble.empty();
        if (args.has("untilSeconds")) {
          double u = finite(in.inner("untilSeconds"), args.get("untilSeconds"));
          if (u <= from) {
            throw fail(in.inner("untilSeconds"), number(u) + " (expected: > fromSeconds " + number(from) + ")");
          }
          until = OptionalDouble.of(u);
        }
        yield new MockFault.Throttle(bits, from, until);
      }
      default -> throw fail(loc, "unknown fault '" + kind + "' (expected one of: lost, throttle)");
    };
  }

  private long reasons(Loc loc, JsonNode node, boolean nonEmpty) {
    if (!node.isArray() || (nonEmpty && node.isEmpty())) {
      throw fail(loc, describe(node) + " (expected: a " + (nonEmpty ? "non-empty " : "") + "list of " + REASON_NAMES + ")");
    }
    long bits = 0;
    for (int i = 0; i < node.size(); i++) {
      Loc at = loc.element(i);
      String name = text(at, node.get(i));
      bits |= ThrottleReason.byNvmlName(name)
          .orElseThrow(() -> fail(at, "unknown reason '" + name + "' (expected one of: " + REASON_NAMES + ")"))
          .bit();
    }
    return bits;
  }

  // ---- small typed readers; each error names the path --------------------------------------

  private double num(Loc in, JsonNode args, String key) {
    return finite(in.inner(key), required(in, args, key));
  }

  private double positive(Loc in, JsonNode args, String key) {
    double v = num(in, args, key);
    if (!(v > 0)) {
      throw fail(in.inner(key), number(v) + " (expected: > 0)");
    }
    return v;
  }

  private double nonNegative(Loc in, JsonNode args, String key, double fallback, boolean isRequired) {
    if (!isRequired && !args.has(key)) {
      return fallback;
    }
    double v = num(in, args, key);
    if (v < 0) {
      throw fail(in.inner(key), number(v) + " (expected: >= 0)");
    }
    return v;
  }

  private double finite(Loc loc, JsonNode node) {
    if (!node.isNumber() || !Double.isFinite(node.asDouble())) {
      throw fail(loc, describe(node) + " (expected: a number)");
    }
    return node.asDouble();
  }

  private String text(Loc loc, JsonNode node) {
    if (!node.isTextual() || node.textValue().isBlank()) {
      throw fail(loc, describe(node) + " (expected: a non-blank string)");
    }
    return node.textValue();
  }

  private JsonNode required(Loc loc, JsonNode object, String key) {
    JsonNode v = object.get(key);
    if (v == null) {
      throw new MockConfigException(source + ": " + loc.missing(key));
    }
    return v;
  }

  private void requireObject(Loc loc, JsonNode node, String keys) {
    if (!node.isObject()) {
      throw fail(loc, describe(node) + " (expected: a map with keys " + keys + ")");
    }
  }

  private void checkKeys(Loc loc, JsonNode node, List<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String key = it.next();
      if (!allowed.contains(key)) {
        throw fail(loc, SettingsNode.unknownKeyText(key, allowed));
      }
    }
  }

  private MockConfigException fail(Loc loc, String message) {
    return new MockConfigException(source + ": " + loc.at(message));
  }

  private static String describe(JsonNode node) {
    if (node.isTextual()) {
      return "'" + node.textValue() + "'";
    }
    if (node.isObject()) {
      return "a map";
    }
    if (node.isArray()) {
      return "a list";
    }
    return node.toString();
  }

  /** Whole numbers without a fraction (bytes read better so); others as Java prints them. */
  static String number(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e18 ? Long.toString((long) v) : Double.toString(v);
  }

  /**
   * Where a value sits: {@code anchor} is the path of a GPU field ({@code gpus[1].memoryUsedBytes}),
   * {@code rel} the path inside a function or fault ({@code ramp.to}); messages read
   * {@code anchor: rel: message}, and {@code anchor: rel.key missing}.
   */
  private record Loc(String anchor, String rel) {
    Loc field(String key) {
      return new Loc(anchor.isEmpty() ? key : anchor + "." + key, "");
    }

    Loc element(int i) {
      return rel.isEmpty() ? new Loc(anchor + "[" + i + "]", "") : new Loc(anchor, rel + "[" + i + "]");
    }

    Loc inner(String key) {
      return new Loc(anchor, rel.isEmpty() ? key : rel + "." + key);
    }

    String at(String message) {
      String path = anchor.isEmpty() ? rel : rel.isEmpty() ? anchor : anchor + ": " + rel;
      return path.isEmpty() ? message : path + ": " + message;
    }

    String missing(String key) {
      String what = rel.isEmpty() ? key : rel + "." + key;
      return (anchor.isEmpty() ? "" : anchor + ": ") + what + " missing";
    }
  }
}
