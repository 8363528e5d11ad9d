package dev.loadfuse.nvml;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * One reading of one GPU. Immutable.
 *
 * <p>Every measurement is optional: a field is empty when the driver does not support it on
 * this GPU (NVML's {@code NOT_SUPPORTED}, e.g. utilisation on a MIG instance), when the driver
 * lacks the function altogether, or when the GPU is {@link #lost()}.
 *
 * <p>A lost GPU ({@code GPU_IS_LOST} or {@code RESET_REQUIRED}) keeps only its identity
 * ({@code uuid}, {@code index}, {@code name}): endpoints on it should be drained.
 *
 * @param uuid NVML's stable key for the GPU, e.g. {@code GPU-5fd1...}; the
 *     {@link GpuSnapshot} is keyed by it because indices may change between boots. A GPU that
 *     was already lost when the probe enumerated it has no readable UUID and gets
 *     {@code unknown-gpu-<index>}.
 * @param index the driver's enumeration index (not stable across reboots)
 * @param name product name, e.g. {@code NVIDIA H100 80GB HBM3}
 * @param memoryTotalBytes installed framebuffer memory
 * @param memoryUsedBytes memory allocated by processes (excludes {@code memoryReservedBytes}
 *     when the driver reports that separately; includes it with drivers that do not)
 * @param memoryFreeBytes memory available for allocation
 * @param memoryReservedBytes memory reserved by the driver and firmware; empty on drivers
 *     without {@code nvmlDeviceGetMemoryInfo_v2}
 * @param gpuUtilization fraction [0, 1] of the last sample period in which a kernel ran
 * @param memoryUtilization fraction [0, 1] of the last sample period in which memory was
 *     read or written
 * @param powerWatts current board power draw
 * @param powerLimitWatts power limit the driver currently enforces
 * @param temperatureC GPU core temperature in degrees Celsius
 * @param throttleReasonBits raw clocks-event mask; see {@link #throttleReasons()}
 * @param energyJoules energy consumed since the driver was last reloaded
 * @param migEnabled whether Multi-Instance GPU mode is currently on; empty on GPUs without MIG
 * @param lost whether the GPU is lost or needs a reset
 * @param sampledAtNanos when the reading started, on the probe's monotonic nanosecond clock
 *     ({@link System#nanoTime()} unless a test injected another)
 */
public record GpuSample(
    String uuid,
    int index,
    Optional<String> name,
    OptionalLong memoryTotalBytes,
    OptionalLong memoryUsedBytes,
    OptionalLong memoryFreeBytes,
    OptionalLong memoryReservedBytes,
    OptionalDouble gpuUtilization,
    OptionalDouble memoryUtilization,
    OptionalDouble powerWatts,
    OptionalDouble powerLimitWatts,
    OptionalInt temperatureC,
    OptionalLong throttleReasonBits,
    OptionalDouble energyJoules,
    Optional<Boolean> migEnabled,
    boolean lost,
    long sampledAtNanos) {

  public GpuSample {
    Objects.requireNonNull(uuid, "uuid");
    if (uuid.isBlank()) {
      throw new IllegalArgumentException("uuid: blank (expected: a GPU UUID)");
    }
    if (index < 0) {
      throw new IllegalArgumentException("index: " + index + " (expected: >= 0)");
    }
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(throttleReasonBits, "throttleReasonBits");
    Objects.requireNonNull(migEnabled, "migEnabled");
    Checks.nonNegative("memoryTotalBytes", memoryTotalBytes);
    Checks.nonNegative("memoryUsedBytes", memoryUsedBytes);
    Checks.nonNegative("memoryFreeBytes", memoryFreeBytes);
    Checks.nonNegative("memoryReservedBytes", memoryReservedBytes);
    Checks.fraction("gpuUtilization", gpuUtilization);
    Checks.fraction("memoryUtilization", memoryUtilization);
    Checks.nonNegative("powerWatts", powerWatts);
    Checks.nonNegative("powerLimitWatts", powerLimitWatts);
    Checks.nonNegative("temperatureC", temperatureC);
    Checks.nonNegative("energyJoules", energyJoules);
    boolean measured =
        memoryTotalBytes.isPresent() || memoryUsedBytes.isPresent() || memoryFreeBytes.isPresent()
            || memoryReservedBytes.isPresent() || gpuUtilization.isPresent() || memoryUtilization.isPresent()
            || powerWatts.isPresent() || powerLimitWatts.isPresent() || temperatureC.isPresent()
            || throttleReasonBits.isPresent() || energyJoules.isPresent() || migEnabled.isPresent();
    if (lost && measured) {
      throw new IllegalArgumentException(
          "lost: true with measurements (expected: a lost GPU carries only uuid, index and name)");
    }
  }

  /** A reading of a lost GPU: identity only, every measurement empty. */
  public static GpuSample lost(String uuid, int index, Optional<String> name, long sampledAtNanos) {
    return builder(uuid, index).name(name).lost(true).sampledAtNanos(sampledAtNanos).build();
  }

  /** A builder with every measurement empty. */
  public static Builder builder(String uuid, int index) {
    return new Builder(uuid, index);
  }

  /** A builder holding this sample's values, for {@code withX}-style copies. */
  public Builder toBuilder() {
    Builder b = new Builder(uuid, index);
    b.name = name;
    b.memoryTotalBytes = memoryTotalBytes;
    b.memoryUsedBytes = memoryUsedBytes;
    b.memoryFreeBytes = memoryFreeBytes;
    b.memoryReservedBytes = memoryReservedBytes;
    b.gpuUtilization = gpuUtilization;
    b.memoryUtilization = memoryUtilization;
    b.powerWatts = powerWatts;
    b.powerLimitWatts = powerLimitWatts;
    b.temperatureC = temperatureC;
    b.throttleReasonBits = throttleReasonBits;
    b.energyJoules = energyJoules;
    b.migEnabled = migEnabled;
    b.lost = lost;
    b.sampledAtNanos = sampledAtNanos;
    return b;
  }

  /** The named reasons in {@link #throttleReasonBits()} (unknown bits are left out). */
  public Optional<Set<ThrottleReason>> throttleReasons() {
    return throttleReasonBits.isPresent()
        ? Optional.of(ThrottleReason.decode(throttleReasonBits.getAsLong()))
        : Optional.empty();
  }

  /** Mutable builder of {@link GpuSample}; validation happens in {@link #build()}. */
  public static final class Builder {
    private final String uuid;
    private final int index;
    private Optional<String> name = Optional.empty();
    private OptionalLong memoryTotalBytes = OptionalLong.empty();
    private OptionalLong memoryUsedBytes = OptionalLong.empty();
    private OptionalLong memoryFreeBytes = OptionalLong.empty();
    private OptionalLong memoryReservedBytes = OptionalLong.empty();
    private OptionalDouble gpuUtilization = OptionalDouble.empty();
    private OptionalDouble memoryUtilization = OptionalDouble.empty();
    private OptionalDouble powerWatts = OptionalDouble.empty();
    private OptionalDouble powerLimitWatts = OptionalDouble.empty();
    private OptionalInt temperatureC = OptionalInt.empty();
    private OptionalLong throttleReasonBits = OptionalLong.empty();
    private OptionalDouble energyJoules = OptionalDouble.empty();
    private Optional<Boolean> migEnabled = Optional.empty();
    private boolean lost;
    private long sampledAtNanos;

    private Builder(String uuid, int index) {
      this.uuid = uuid;
      this.index = index;
    }

    public Builder name(String value) {
      return name(Optional.of(value));
    }

    public Builder name(Optional<String> value) {
      name = value;
      return this;
    }

    public Builder memoryTotalBytes(long value) {
      memoryTotalBytes = OptionalLong.of(value);
      return this;
    }

    public Builder memoryUsedBytes(long value) {
      memoryUsedBytes = OptionalLong.of(value);
      return this;
    }

    public Builder memoryFreeBytes(long value) {
      memoryFreeBytes = OptionalLong.of(value);
      return this;
    }

    public Builder memoryReservedBytes(long value) {
      memoryReservedBytes = OptionalLong.of(value);
      return this;
    }

    public Builder gpuUtilization(double value) {
      gpuUtilization = OptionalDouble.of(value);
      return this;
    }

    public Builder memoryUtilization(double value) {
      memoryUtilization = OptionalDouble.of(value);
      return this;
    }

    public Builder powerWatts(double value) {
      powerWatts = OptionalDouble.of(value);
      return this;
    }

    public Builder powerLimitWatts(double value) {
      powerLimitWatts = OptionalDouble.of(value);
      return this;
    }

    public Builder temperatureC(int value) {
      temperatureC = OptionalInt.of(value);
      return this;
    }

    public Builder throttleReasonBits(long value) {
      throttleReasonBits = OptionalLong.of(value);
      return this;
    }

    public Builder throttleReasons(Set<ThrottleReason> value) {
      return throttleReasonBits(ThrottleReason.encode(value));
    }

    public Builder energyJoules(double value) {
      energyJoules = OptionalDouble.of(value);
      return this;
    }

    public Builder migEnabled(boolean value) {
      migEnabled = Optional.of(value);
      return this;
    }

    public Builder lost(boolean value) {
      lost = value;
      return this;
    }

    public Builder sampledAtNanos(long value) {
      sampledAtNanos = value;
      return this;
    }

    /** @throws IllegalArgumentException naming the first field out of range */
    public GpuSample build() {
      return new GpuSample(
          uuid, index, name, memoryTotalBytes, memoryUsedBytes, memoryFreeBytes,
          memoryReservedBytes, gpuUtilization, memoryUtilization, powerWatts, powerLimitWatts,
          temperatureC, throttleReasonBits, energyJoules, migEnabled, lost, sampledAtNanos);
    }
  }
}
