package dev.loadfuse.nvml.mock;

import java.nio.file.Path;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A parsed, validated mock GPU file (schema in the module README).
 *
 * @param driverVersion reported as the driver version, when given
 * @param gpus the GPUs in index order
 */
public record MockGpuConfig(Optional<String> driverVersion, List<Gpu> gpus) {

  public MockGpuConfig {
    Objects.requireNonNull(driverVersion, "driverVersion");
    gpus = List.copyOf(gpus);
  }

  /**
   * One mock GPU.
   *
   * @param uuid unique key
   * @param name product name
   * @param metrics the numeric fields the file describes; the others are absent
   * @param throttleReasonBits clocks-event bits outside faults; empty when the file has no
   *     {@code throttleReasons} (then absent unless a throttle fault is active)
   * @param migEnabled MIG mode, when given
   * @param faults injected faults
   */
  public record Gpu(
      String uuid,
      String name,
      Map<MockMetric, TimeFunction> metrics,
      OptionalLong throttleReasonBits,
      Optional<Boolean> migEnabled,
      List<MockFault> faults) {

    public Gpu {
      Objects.requireNonNull(uuid, "uuid");
      Objects.requireNonNull(name, "name");
      metrics = metrics.isEmpty() ? Map.of() : Collections.unmodifiableMap(new EnumMap<>(metrics));
      Objects.requireNonNull(throttleReasonBits, "throttleReasonBits");
      Objects.requireNonNull(migEnabled, "migEnabled");
      faults = List.copyOf(faults);
    }
  }

  /**
   * Reads and validates a mock file: YAML, or JSON when the name ends in {@code .json}.
   *
   * @throws MockConfigException one line naming the file and the path of the first problem
   */
  public static MockGpuConfig load(Path file) {
    return MockConfigParser.load(file);
  }

  /**
   * Parses mock YAML (or JSON, which YAML accepts) from a string.
   *
   * @param source names the text in error messages, e.g. a file name
   * @throws MockConfigException one line naming {@code source} and the path of the first problem
   */
  public static MockGpuConfig parse(String yaml, String source) {
    return MockConfigParser.parse(yaml, source);
  }
}
