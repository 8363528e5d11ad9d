package dev.loadfuse.picker.scheduling.config;

import java.time.Duration;
import java.util.List;

/**
 * The {@code flowControl} section, parsed and validated (quantities non-negative, policy references
 * naming policies of the right kind). Nothing runs it yet: the loader warns when it is set.
 *
 * @param enabled whether the {@code flowControl} feature gate is on
 * @param maxBytes global byte limit, 0 = unlimited
 * @param maxRequests global request limit, 0 = unlimited
 * @param defaultRequestTtl null when not set
 * @param defaultBand {@code defaultPriorityBand}, null when not set
 * @param bands {@code priorityBands}
 * @param usageLimitPolicy the usage-limit policy (the default {@code static-usage-limit-policy} when not named)
 */
public record FlowControlSpec(boolean enabled, long maxBytes, long maxRequests, Duration defaultRequestTtl,
    Band defaultBand, List<Band> bands, FlowControlPolicyPlugin usageLimitPolicy, boolean enableEviction) {

  public FlowControlSpec {
    bands = List.copyOf(bands);
  }

  /**
   * One priority band.
   *
   * @param priority null for the default bands
   * @param ordering null when not named (the default {@code fcfs-ordering-policy})
   * @param fairness null when not named (the default {@code global-strict-fairness-policy})
   */
  public record Band(Integer priority, long maxBytes, long maxRequests, FlowControlPolicyPlugin ordering,
      FlowControlPolicyPlugin fairness) {}
}
