package dev.loadfuse.benchmarks.routing;

/** Where each (policy, QPS) point's picker runs: {@code --picker-process false|true|realtime}. */
public enum PickerPlacement {
  /** In the benchmark's JVM, beside the simulator, with a GPU probe of the simulated GPUs. */
  IN_PROCESS,
  /** In a child JVM ({@link PickerProcess}), scheduled by the kernel like everything else. */
  CHILD,
  /**
   * In a child JVM under the real-time round-robin policy ({@code chrt --rr}), so that the
   * simulator's threads never preempt it: what the picker's own cores give it in a deployment. On a
   * machine shared with the whole simulated fleet, this separates the picker's own latency from the
   * time it waits for a core. Needs root or CAP_SYS_NICE.
   */
  CHILD_REALTIME;

  /** Parses the flag's value. */
  static PickerPlacement parse(String value) {
    return switch (value) {
      case "false" -> IN_PROCESS;
      case "true" -> CHILD;
      case "realtime" -> CHILD_REALTIME;
      default -> throw new IllegalArgumentException("--picker-process: " + value + " (expected: true, false or realtime)");
    };
  }

  boolean child() {
    return this != IN_PROCESS;
  }
}
