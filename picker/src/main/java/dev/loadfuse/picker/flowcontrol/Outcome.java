package dev.loadfuse.picker.flowcontrol;

/** How a request's stay in flow control ended; the labels are the reference's metric values. */
public enum Outcome {
  DISPATCHED("Dispatched"),
  REJECTED_CAPACITY("RejectedCapacity"),
  REJECTED_NO_ENDPOINTS("RejectedNoEndpoints"),
  REJECTED_OTHER("RejectedOther"),
  EVICTED_TTL("EvictedTTL"),
  EVICTED_CONTEXT_CANCELLED("EvictedContextCancelled"),
  EVICTED_OTHER("EvictedOther");

  private final String label;

  Outcome(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
