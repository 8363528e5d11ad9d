package dev.loadfuse.sidecar.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.sidecar.api.LoadJson;

/**
 * The {@code gpus} command's output: one JSON object per snapshot. The per-GPU fields come from
 * {@link LoadJson#gpu}, the same view {@code /v1/load} uses; absent fields are {@code null}, so
 * every line has the same keys.
 */
final class GpuJson {

  private GpuJson() {}

  static String line(GpuSnapshot snapshot) {
    ObjectNode root = LoadJson.MAPPER.createObjectNode();
    root.put("driverVersion", snapshot.driverVersion().orElse(null));
    ArrayNode gpus = root.putArray("gpus");
    for (GpuSample g : snapshot.gpus().values()) {
      LoadJson.gpu(gpus.addObject(), g);
    }
    return LoadJson.write(root);
  }
}
