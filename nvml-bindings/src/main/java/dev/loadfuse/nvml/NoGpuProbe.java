package dev.loadfuse.nvml;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * A probe for a node without usable GPUs: every sample is empty. Carries why, so that logs
 * and status pages can say it.
 */
public final class NoGpuProbe implements GpuProbe {
  private final String reason;

  /** @param reason why there are no GPUs, e.g. the reason NVML was unavailable */
  public NoGpuProbe(String reason) {
    this.reason = Objects.requireNonNull(reason, "reason");
  }

  /** Why this node has no GPU probe. */
  public String reason() {
    return reason;
  }

  @Override
  public GpuSnapshot sample() {
    return GpuSnapshot.of(Optional.empty(), System.nanoTime(), List.of());
  }

  @Override
  public String description() {
    return "none: " + reason;
  }

  @Override
  public void close() {}
}
