package dev.loadfuse.sidecar.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.ThrottleReason;
import java.io.UncheckedIOException;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The {@code gpus} command's output: one JSON object per snapshot. Written field by field so
 * that the order and names are the documented ones; absent fields are {@code null}, so every
 * line has the same keys.
 */
final class GpuJson {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private GpuJson() {}

  static String line(GpuSnapshot snapshot) {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("driverVersion", snapshot.driverVersion().orElse(null));
    ArrayNode gpus = root.putArray("gpus");
    for (GpuSample g : snapshot.gpus().values()) {
      ObjectNode n = gpus.addObject();
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
    }
    try {
      return MAPPER.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
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
