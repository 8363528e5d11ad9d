package dev.loadfuse.nvml;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.SequencedMap;

/**
 * One {@link GpuProbe#sample()}: every GPU of the node, keyed by UUID, in index order.
 * Immutable.
 *
 * @param driverVersion the driver's version string, e.g. {@code 560.35.03}, when known
 * @param sampledAtNanos when the sample started, on the probe's monotonic nanosecond clock
 * @param gpus readings keyed by {@link GpuSample#uuid()}, ordered by ascending
 *     {@link GpuSample#index()}
 */
public record GpuSnapshot(
    Optional<String> driverVersion, long sampledAtNanos, SequencedMap<String, GpuSample> gpus) {

  public GpuSnapshot {
    Objects.requireNonNull(driverVersion, "driverVersion");
    int previousIndex = -1;
    for (Map.Entry<String, GpuSample> e : gpus.entrySet()) {
      GpuSample s = e.getValue();
      if (!e.getKey().equals(s.uuid())) {
        throw new IllegalArgumentException(
            "gpus: key " + e.getKey() + " holds the sample of " + s.uuid() + " (expected: keyed by uuid)");
      }
      if (s.index() <= previousIndex) {
        throw new IllegalArgumentException(
            "gpus: index " + s.index() + " after index " + previousIndex + " (expected: ascending indices)");
      }
      previousIndex = s.index();
    }
    gpus = Collections.unmodifiableSequencedMap(new LinkedHashMap<>(gpus));
  }

  /** A snapshot of {@code samples}, which must have distinct UUIDs and ascending indices. */
  public static GpuSnapshot of(Optional<String> driverVersion, long sampledAtNanos, List<GpuSample> samples) {
    LinkedHashMap<String, GpuSample> byUuid = LinkedHashMap.newLinkedHashMap(samples.size());
    for (GpuSample s : samples) {
      if (byUuid.putIfAbsent(s.uuid(), s) != null) {
        throw new IllegalArgumentException("gpus: uuid " + s.uuid() + " appears twice (expected: unique)");
      }
    }
    return new GpuSnapshot(driverVersion, sampledAtNanos, byUuid);
  }

  /** The reading of the GPU with this UUID, if the node has it. */
  public Optional<GpuSample> gpu(String uuid) {
    return Optional.ofNullable(gpus.get(uuid));
  }
}
