package dev.loadfuse.sidecar.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loadfuse.engine.LoraInfo;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.ThrottleReason;
import java.io.UncheckedIOException;
import java.util.Collection;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The JSON views of load vectors and GPU readings, shared by the sidecar's {@code /v1/load}, the
 * picker's {@code /v1/endpoints} and the {@code gpus} tool so that all show the same fields.
 * Absent values are {@code null}; counts that are whole numbers are JSON integers.
 */
public final class LoadJson {

  public static final ObjectMapper MAPPER = new ObjectMapper();

  private LoadJson() {}

  /** {@code {"endpoints":[...]}} with ages measured against {@code nowMillis}. */
  public static String endpoints(Collection<LoadVector> vectors, long nowMillis) {
    ObjectNode root = MAPPER.createObjectNode();
    ArrayNode list = root.putArray("endpoints");
    for (LoadVector v : vectors) {
      vector(list.addObject(), v, nowMillis);
    }
    return write(root);
  }

  /** Fills {@code n} with one endpoint's fields, as in {@code /v1/load}. */
  public static ObjectNode vector(ObjectNode n, LoadVector v, long nowMillis) {
    EndpointId id = v.endpoint();
    n.put("name", id.name());
    n.put("address", id.address());
    n.put("port", id.port());
    n.put("pool", id.pool());
    n.put("engine", v.engine());
    count(n, "waitingRequests", v.waitingRequests());
    count(n, "runningRequests", v.runningRequests());
    if (v.hasKvCacheUsage()) {
      n.put("kvCacheUsage", v.kvCacheUsage());
    } else {
      n.putNull("kvCacheUsage");
    }
    lora(n, v.lora());
    n.put("cacheBlockSize", v.cacheBlockSize() < 0 ? null : v.cacheBlockSize());
    n.put("numGpuBlocks", v.numGpuBlocks() < 0 ? null : v.numGpuBlocks());
    ArrayNode gpus = n.putArray("gpus");
    for (GpuSample g : v.gpus()) {
      gpu(gpus.addObject(), g);
    }
    n.put("engineSampleAgeMs", v.engineSampledAtMillis() == 0 ? null : Math.max(0, nowMillis - v.engineSampledAtMillis()));
    n.put("gpuSampleAgeMs", v.gpuSampledAtMillis() == 0 ? null : Math.max(0, nowMillis - v.gpuSampledAtMillis()));
    n.put("healthy", v.healthy());
    n.put("gpuLost", v.gpuLost());
    n.put("lastError", v.lastError());
    ArrayNode missing = n.putArray("missingMetrics");
    v.missingMetrics().forEach(missing::add);
    return n;
  }

  /** {@code "lora": {"running":[..],"waiting":[..],"maxLora":n}} or {@code null}. */
  public static void lora(ObjectNode n, LoraInfo lora) {
    if (lora == null) {
      n.putNull("lora");
      return;
    }
    ObjectNode l = n.putObject("lora");
    ArrayNode running = l.putArray("running");
    lora.runningAdapters().forEach(running::add);
    ArrayNode waiting = l.putArray("waiting");
    lora.waitingAdapters().forEach(waiting::add);
    put(l, "maxLora", lora.maxLora());
  }

  /** One GPU's fields, exactly as the {@code gpus} tool prints them. */
  public static ObjectNode gpu(ObjectNode n, GpuSample g) {
    n.put("uuid", g.uuid());
    n.put("name", g.name().orElse(null));
    n.put("index", g.index());
    put(n, "memoryTotalBytes", g.memoryTotalBytes());
    put(n, "memoryUsedBytes", g.memoryUsedBytes());
    put(n, "memoryFreeBytes", g.memoryFreeBytes());
    put(n, "memoryReservedBytes", g.memoryReservedBytes());
    put(n, "gpuUtilization", g.gpuUtilization());
    put(n, "memoryUtilization", g.memoryUtilization());
    put(n, "powerWatts", g.powerWatts());
    put(n, "powerLimitWatts", g.powerLimitWatts());
    put(n, "temperatureC", g.temperatureC());
    if (g.throttleReasonBits().isPresent()) {
      long bits = g.throttleReasonBits().getAsLong();
      ArrayNode reasons = n.putArray("throttleReasons");
      ThrottleReason.decode(bits).forEach(r -> reasons.add(r.nvmlName()));
      // Bits newer drivers define are shown raw rather than dropped.
      long unknown = bits & ~ThrottleReason.KNOWN_BITS;
      if (unknown != 0) {
        reasons.add("0x" + Long.toHexString(unknown));
      }
    } else {
      n.putNull("throttleReasons");
    }
    put(n, "energyJoules", g.energyJoules());
    n.put("migEnabled", g.migEnabled().orElse(null));
    n.put("lost", g.lost());
    return n;
  }

  public static String write(Object node) {
    try {
      return MAPPER.writeValueAsString(node);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void count(ObjectNode n, String key, double v) {
    if (Double.isNaN(v)) {
      n.putNull(key);
    } else if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      n.put(key, (long) v);
    } else {
      n.put(key, v);
    }
  }

  private static void put(ObjectNode n, String key, OptionalLong v) {
    n.put(key, v.isPresent() ? v.getAsLong() : null);
  }

  private static void put(ObjectNode n, String key, OptionalInt v) {
    n.put(key, v.isPresent() ? v.getAsInt() : null);
  }

  private static void put(ObjectNode n, String key, OptionalDouble v) {
    n.put(key, v.isPresent() ? v.getAsDouble() : null);
  }
}
