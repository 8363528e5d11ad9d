package dev.loadfuse.sidecar.fusion;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.sidecar.api.LoadVector;
import java.util.List;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Decides whether an endpoint's newly fused {@link LoadVector} must be published now, or can wait
 * for the publish heartbeat: it names the first routing-relevant difference from the vector last
 * published, or returns null when there is none. Immutable and thread-safe.
 *
 * <p><b>Published at once</b> (any difference at all): the endpoint's identity; every engine value
 * the picker reads (waiting, running, KV-cache usage, LoRA state, cache geometry, missing metrics,
 * engine name); health, lost GPU and last error; the GPU set (count, order, UUID, index, name); and
 * per GPU its lost flag, throttle-reason bits, MIG mode, total memory, and whether each reading is
 * present at all.
 *
 * <p><b>Published once it moved by at least a tolerance</b> from the last <em>published</em> value
 * (so a slow drift is published once it adds up, and jitter around a steady value never is): the
 * continuous GPU readings that NVML reports every sample and that wobble while nothing changes.
 * The defaults, and why:
 *
 * <ul>
 *   <li>temperature {@value #DEFAULT_TEMPERATURE_C} °C: the sensor reads whole degrees and wobbles
 *       by one under a steady load; the {@code gpu-health-filter} compares it with a threshold
 *       (90 °C), so a real rise reaches the picker within one step of it;
 *   <li>GPU and memory utilisation {@value #DEFAULT_UTILIZATION} (as fractions): NVML's
 *       utilisation is a duty cycle over its own sampling window and jitters by a few percent; the
 *       {@code gpu-utilization-scorer} scores {@code 1 − utilisation}, where 0.05 is below what
 *       tips a choice between endpoints with different queues or caches;
 *   <li>memory used, free and reserved, {@value #DEFAULT_MEMORY_FRACTION_OF_TOTAL} of the GPU's
 *       total memory: engines preallocate their KV cache, so memory moves in large steps (a model
 *       loading, another process arriving); allocator noise is far below 1 % (0.8 GB of 80 GB); the
 *       {@code gpu-memory-headroom-scorer} scores free / total, so 0.01 is a score step of 0.01;
 *       without a known total, any change is published;
 *   <li>power {@value #DEFAULT_POWER_FRACTION_OF_LIMIT} of the enforced limit, or {@value
 *       #DEFAULT_POWER_WATTS} W without a known limit: no routing plugin reads power; board power
 *       swings by tens of watts between decode steps, and a 10 % step (70 W of 700 W) still shows
 *       idle against busy.
 * </ul>
 *
 * <p><b>Never a reason to publish</b>: the energy counter (it grows every sample), the sample
 * times of the engine and of the GPUs (also inside each GPU reading), and the driver version (not
 * in the vector). The heartbeat re-publishes every vector at least every publish heartbeat anyway,
 * with its latest readings, so consumers see fresh sample times and values within tolerance are
 * at most one heartbeat old.
 *
 * @param temperatureC smallest temperature change published, degrees Celsius (>= 1)
 * @param utilization smallest change of GPU or memory utilisation published, fraction in (0, 1]
 * @param memoryFractionOfTotal smallest change of used, free or reserved memory published, as a
 *     fraction of the GPU's total memory, in (0, 1]
 * @param powerFractionOfLimit smallest power change published, as a fraction of the enforced
 *     power limit, in (0, 1]
 * @param powerWatts smallest power change published when the GPU reports no limit, watts (> 0)
 */
public record PublishFilter(
    int temperatureC,
    double utilization,
    double memoryFractionOfTotal,
    double powerFractionOfLimit,
    double powerWatts) {

  public static final int DEFAULT_TEMPERATURE_C = 2;
  public static final double DEFAULT_UTILIZATION = 0.05;
  public static final double DEFAULT_MEMORY_FRACTION_OF_TOTAL = 0.01;
  public static final double DEFAULT_POWER_FRACTION_OF_LIMIT = 0.10;
  public static final double DEFAULT_POWER_WATTS = 50;

  /** The tolerances documented above. */
  /** Slack for binary fractions: a move of exactly one tolerance (0.50 to 0.55) counts. */
  private static final double EPSILON = 1e-9;

  public static final PublishFilter DEFAULTS = new PublishFilter(DEFAULT_TEMPERATURE_C, DEFAULT_UTILIZATION,
      DEFAULT_MEMORY_FRACTION_OF_TOTAL, DEFAULT_POWER_FRACTION_OF_LIMIT, DEFAULT_POWER_WATTS);

  public PublishFilter {
    if (temperatureC < 1) {
      throw new IllegalArgumentException("temperatureC: " + temperatureC + " (expected: >= 1)");
    }
    fraction("utilization", utilization);
    fraction("memoryFractionOfTotal", memoryFractionOfTotal);
    fraction("powerFractionOfLimit", powerFractionOfLimit);
    if (!(powerWatts > 0 && powerWatts < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException("powerWatts: " + powerWatts + " (expected: > 0)");
    }
  }

  private static void fraction(String field, double v) {
    if (!(v > 0 && v <= 1)) {
      throw new IllegalArgumentException(field + ": " + v + " (expected: (0, 1])");
    }
  }

  /**
   * The first field of {@code next} that differs from {@code published} enough to publish it now
   * (e.g. {@code waitingRequests}, {@code gpus[1].temperatureC}), or null when {@code next} can
   * wait for the heartbeat. Everything differs from nothing: a null {@code published} gives
   * {@code "first vector"}.
   */
  public String reason(LoadVector published, LoadVector next) {
    if (published == null) {
      return "first vector";
    }
    String engine = engineReason(published, next);
    if (engine != null) {
      return engine;
    }
    List<GpuSample> a = published.gpus();
    List<GpuSample> b = next.gpus();
    if (a.size() != b.size()) {
      return "gpus";
    }
    for (int i = 0; i < a.size(); i++) {
      String field = gpuReason(a.get(i), b.get(i));
      if (field != null) {
        return "gpus[" + i + "]." + field;
      }
    }
    return null;
  }

  /** True when {@code next} must be published now (see {@link #reason}). */
  public boolean shouldPublish(LoadVector published, LoadVector next) {
    return reason(published, next) != null;
  }

  private static String engineReason(LoadVector a, LoadVector b) {
    if (!a.endpoint().equals(b.endpoint())) {
      return "endpoint";
    }
    if (!Objects.equals(a.engine(), b.engine())) {
      return "engine";
    }
    if (Double.compare(a.waitingRequests(), b.waitingRequests()) != 0) {
      return "waitingRequests";
    }
    if (Double.compare(a.runningRequests(), b.runningRequests()) != 0) {
      return "runningRequests";
    }
    if (Double.compare(a.kvCacheUsage(), b.kvCacheUsage()) != 0) {
      return "kvCacheUsage";
    }
    if (!Objects.equals(a.lora(), b.lora())) {
      return "lora";
    }
    if (a.cacheBlockSize() != b.cacheBlockSize()) {
      return "cacheBlockSize";
    }
    if (a.numGpuBlocks() != b.numGpuBlocks()) {
      return "numGpuBlocks";
    }
    if (!a.missingMetrics().equals(b.missingMetrics())) {
      return "missingMetrics";
    }
    if (a.healthy() != b.healthy()) {
      return "healthy";
    }
    if (a.gpuLost() != b.gpuLost()) {
      return "gpuLost";
    }
    if (!Objects.equals(a.lastError(), b.lastError())) {
      return "lastError";
    }
    return null;
  }

  private String gpuReason(GpuSample a, GpuSample b) {
    if (!a.uuid().equals(b.uuid())) {
      return "uuid";
    }
    if (a.index() != b.index()) {
      return "index";
    }
    if (!a.name().equals(b.name())) {
      return "name";
    }
    if (a.lost() != b.lost()) {
      return "lost";
    }
    if (!a.throttleReasonBits().equals(b.throttleReasonBits())) {
      return "throttleReasonBits";
    }
    if (!a.migEnabled().equals(b.migEnabled())) {
      return "migEnabled";
    }
    if (!a.memoryTotalBytes().equals(b.memoryTotalBytes())) {
      return "memoryTotalBytes";
    }
    if (moved(a.temperatureC(), b.temperatureC(), temperatureC)) {
      return "temperatureC";
    }
    if (moved(a.gpuUtilization(), b.gpuUtilization(), utilization)) {
      return "gpuUtilization";
    }
    if (moved(a.memoryUtilization(), b.memoryUtilization(), utilization)) {
      return "memoryUtilization";
    }
    long memoryStep = b.memoryTotalBytes().isPresent()
        ? Math.max(1, (long) (b.memoryTotalBytes().getAsLong() * memoryFractionOfTotal))
        : 1;
    if (moved(a.memoryUsedBytes(), b.memoryUsedBytes(), memoryStep)) {
      return "memoryUsedBytes";
    }
    if (moved(a.memoryFreeBytes(), b.memoryFreeBytes(), memoryStep)) {
      return "memoryFreeBytes";
    }
    if (moved(a.memoryReservedBytes(), b.memoryReservedBytes(), memoryStep)) {
      return "memoryReservedBytes";
    }
    if (!a.powerLimitWatts().equals(b.powerLimitWatts())) {
      return "powerLimitWatts";
    }
    double powerStep = b.powerLimitWatts().isPresent() && b.powerLimitWatts().getAsDouble() > 0
        ? b.powerLimitWatts().getAsDouble() * powerFractionOfLimit
        : powerWatts;
    if (moved(a.powerWatts(), b.powerWatts(), powerStep)) {
      return "powerWatts";
    }
    return null; // energyJoules and sampledAtNanos never count
  }

  private static boolean moved(OptionalDouble a, OptionalDouble b, double step) {
    return moved(a.isPresent(), b.isPresent(), a.orElse(0), b.orElse(0), step);
  }

  private static boolean moved(OptionalLong a, OptionalLong b, long step) {
    // bytes stay far below 2^53: exact as doubles
    return moved(a.isPresent(), b.isPresent(), a.orElse(0), b.orElse(0), step);
  }

  private static boolean moved(OptionalInt a, OptionalInt b, int step) {
    return moved(a.isPresent(), b.isPresent(), a.orElse(0), b.orElse(0), step);
  }

  /** Present on one side only, or moved by at least {@code step}. */
  private static boolean moved(boolean hasA, boolean hasB, double a, double b, double step) {
    return hasA != hasB || hasA && Math.abs(a - b) >= step - EPSILON;
  }
}
