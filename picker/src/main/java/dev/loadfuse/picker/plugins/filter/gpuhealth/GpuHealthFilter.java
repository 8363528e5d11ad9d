package dev.loadfuse.picker.plugins.filter.gpuhealth;

import dev.loadfuse.nvml.GpuSample;
import dev.loadfuse.nvml.ThrottleReason;
import dev.loadfuse.picker.candidate.EndpointView;
import dev.loadfuse.picker.plugins.NamedPlugin;
import dev.loadfuse.picker.scheduling.Filter;
import dev.loadfuse.picker.scheduling.SchedulingCycle;
import dev.loadfuse.picker.scheduling.config.ConfigException;
import dev.loadfuse.picker.scheduling.config.Parameters;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * {@code gpu-health-filter}: removes endpoints whose GPUs are failing or slowed down by the
 * hardware, read from NVML by the sidecar: a lost GPU (needs a reset), a clocks-event (throttle)
 * reason among {@code throttleReasons} (by default the hardware slowdown, both thermal slowdowns
 * and the power brake; not the power cap, idle or application clocks, which are normal), or a
 * temperature above {@code maxTemperatureC}. An endpoint without GPU readings, or whose readings
 * are older than the staleness threshold, passes. When every candidate would be removed they are
 * all kept (a slow GPU beats no answer) and the fallback is counted.
 */
public final class GpuHealthFilter extends NamedPlugin implements Filter {

  public static final String TYPE = "gpu-health-filter";
  public static final int DEFAULT_MAX_TEMPERATURE_C = 90;
  public static final Set<ThrottleReason> DEFAULT_THROTTLE_REASONS = Set.copyOf(EnumSet.of(
      ThrottleReason.HW_SLOWDOWN, ThrottleReason.SW_THERMAL_SLOWDOWN, ThrottleReason.HW_THERMAL_SLOWDOWN,
      ThrottleReason.HW_POWER_BRAKE_SLOWDOWN));

  static final String REASON_LOST = "gpu-lost";
  static final String REASON_THROTTLED = "throttled";
  static final String REASON_TEMPERATURE = "temperature";

  private final int maxTemperatureC;
  private final long throttleMask;

  public GpuHealthFilter(String name, int maxTemperatureC, Set<ThrottleReason> throttleReasons) {
    super(TYPE, name);
    if (maxTemperatureC < 1) {
      throw new IllegalArgumentException("maxTemperatureC: " + maxTemperatureC + " (expected: >= 1)");
    }
    this.maxTemperatureC = maxTemperatureC;
    this.throttleMask = ThrottleReason.encode(throttleReasons);
  }

  public static GpuHealthFilter create(String name, Parameters p) {
    int maxTemp = p.integer("maxTemperatureC", DEFAULT_MAX_TEMPERATURE_C, 1, 200);
    Set<ThrottleReason> reasons = DEFAULT_THROTTLE_REASONS;
    if (p.has("throttleReasons")) {
      List<String> names = p.strings("throttleReasons");
      EnumSet<ThrottleReason> set = EnumSet.noneOf(ThrottleReason.class);
      List<String> known = new ArrayList<>();
      for (ThrottleReason r : ThrottleReason.values()) {
        known.add(r.nvmlName());
      }
      for (int i = 0; i < names.size(); i++) {
        ThrottleReason found = null;
        for (ThrottleReason r : ThrottleReason.values()) {
          if (r.nvmlName().equals(names.get(i))) {
            found = r;
          }
        }
        if (found == null) {
          throw ConfigException.at(p.path("throttleReasons") + "[" + i + "]",
              "\"" + names.get(i) + "\" (expected one of: " + String.join(", ", known) + ")");
        }
        set.add(found);
      }
      reasons = set;
    }
    return new GpuHealthFilter(name, maxTemp, reasons);
  }

  @Override
  public int filter(SchedulingCycle cycle, EndpointView[] candidates, int count) {
    int kept = 0;
    for (int i = 0; i < count; i++) {
      if (problem(candidates[i]) == null) {
        kept++;
      }
    }
    if (kept == count) {
      return count;
    }
    if (kept == 0) {
      cycle.events().keptAll(typedName(), count);
      return count;
    }
    int lost = 0;
    int throttled = 0;
    int hot = 0;
    int n = 0;
    for (int i = 0; i < count; i++) {
      EndpointView e = candidates[i];
      String reason = problem(e);
      if (reason == null) {
        candidates[n++] = e;
      } else if (reason == REASON_LOST) {
        lost++;
      } else if (reason == REASON_THROTTLED) {
        throttled++;
      } else {
        hot++;
      }
    }
    report(cycle, REASON_LOST, lost);
    report(cycle, REASON_THROTTLED, throttled);
    report(cycle, REASON_TEMPERATURE, hot);
    return n;
  }

  private void report(SchedulingCycle cycle, String reason, int n) {
    if (n > 0) {
      cycle.events().filtered(typedName(), reason, n);
    }
  }

  /** Null when healthy or unknown, else the first reason found (lost, throttled, temperature). */
  private String problem(EndpointView e) {
    if (e.gpuLost()) {
      return REASON_LOST; // reported by the sidecar even when the readings themselves are old
    }
    List<GpuSample> gpus = e.gpus(); // empty when none or stale
    String found = null;
    for (int g = 0; g < gpus.size(); g++) {
      GpuSample s = gpus.get(g);
      if (s.lost()) {
        return REASON_LOST;
      }
      if (s.throttleReasonBits().isPresent() && (s.throttleReasonBits().getAsLong() & throttleMask) != 0) {
        found = REASON_THROTTLED;
      } else if (found == null && s.temperatureC().isPresent() && s.temperatureC().getAsInt() > maxTemperatureC) {
        found = REASON_TEMPERATURE;
      }
    }
    return found;
  }
}
