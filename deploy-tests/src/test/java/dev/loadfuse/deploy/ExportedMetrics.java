package dev.loadfuse.deploy;

import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.nvml.mock.MockGpuProbe;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.scheduling.TypedName;
import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.metrics.SidecarMetrics;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names the picker and the sidecar really export: their metric classes are filled with
 * one of everything (a model pair, an error, a plugin timer, an endpoint, the mock GPUs) and the
 * Prometheus text they would serve is read back, so a renamed metric shows up here.
 */
final class ExportedMetrics {

  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", Pattern.MULTILINE);

  private ExportedMetrics() {}

  static Set<String> names(Path mockGpus) {
    PickerMetrics picker = new PickerMetrics();
    picker.pool("pool", () -> 1);
    PickerMetrics.Meters meters = picker.meters("model", "target", "default-flow", 0);
    meters.started(100);
    meters.response(1_000_000, 10, 10, 2);
    picker.error("model", "target", "default-flow", "0", "BadRequest");
    picker.plugin("Scorer", new TypedName("queue-scorer", "queue-scorer")).record(1000);
    picker.decision().record(1000);

    SidecarMetrics sidecar = new SidecarMetrics();
    sidecar.scrapeSucceeded("vllm-0", 1_000_000);
    sidecar.scrapeFailed("vllm-0", "timeout", 1_000_000);
    sidecar.vectorPublished(SidecarMetrics.PublishReason.CHANGE);
    try (MockGpuProbe gpus = MockGpuProbe.open(mockGpus)) {
      GpuSnapshot snapshot = gpus.sample();
      java.util.List<dev.loadfuse.nvml.GpuSample> samples = java.util.List.copyOf(snapshot.gpus().values());
      sidecar.gpus(samples);
      sidecar.endpoint(LoadVector.unknown(new EndpointId("vllm-0", "10.0.0.1", 8000, "pool"), "vllm")
          .withGpus(samples, 1));
    }

    Set<String> names = new TreeSet<>();
    for (String text : new String[] {picker.scrape(), sidecar.scrape()}) {
      Matcher m = SAMPLE.matcher(text);
      while (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }
}
