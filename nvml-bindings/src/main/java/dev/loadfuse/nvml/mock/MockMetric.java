package dev.loadfuse.nvml.mock;

/** The numeric fields a mock GPU can describe, with their key in the file and valid range. */
public enum MockMetric {
  MEMORY_TOTAL_BYTES("memoryTotalBytes", 0, Long.MAX_VALUE, true),
  MEMORY_USED_BYTES("memoryUsedBytes", 0, Long.MAX_VALUE, true),
  MEMORY_RESERVED_BYTES("memoryReservedBytes", 0, Long.MAX_VALUE, true),
  GPU_UTILIZATION("gpuUtilization", 0, 1, false),
  MEMORY_UTILIZATION("memoryUtilization", 0, 1, false),
  POWER_WATTS("powerWatts", 0, Double.MAX_VALUE, false),
  POWER_LIMIT_WATTS("powerLimitWatts", 0, Double.MAX_VALUE, false),
  TEMPERATURE_C("temperatureC", 0, 1000, true),
  ENERGY_JOULES("energyJoules", 0, Double.MAX_VALUE, false);

  private final String key;
  private final double min;
  private final double max;
  private final boolean integral;

  MockMetric(String key, double min, double max, boolean integral) {
    this.key = key;
    this.min = min;
    this.max = max;
    this.integral = integral;
  }

  /** The key in the mock file (and in JSON output). */
  public String key() {
    return key;
  }

  double min() {
    return min;
  }

  double max() {
    return max;
  }

  /** The valid range as error messages print it. */
  String rangeText() {
    if (max == Long.MAX_VALUE || max == Double.MAX_VALUE) {
      return ">= " + MockConfigParser.number(min);
    }
    return "[" + MockConfigParser.number(min) + ", " + MockConfigParser.number(max) + "]";
  }

  /** Whether values are rounded to whole numbers (bytes, degrees). */
  boolean integral() {
    return integral;
  }
}
