package dev.loadfuse.picker.flowcontrol;

import java.util.List;

/**
 * Which request of a flow is served next: the reference's ordering policies. Each gives a request a
 * key when it is queued; the smallest key goes first, ties in arrival order.
 */
public enum Ordering {
  /** First come, first served. */
  FCFS("fcfs-ordering-policy"),
  /** Earliest deadline first: queued time plus the TTL; without a TTL, last (then first come). */
  EDF("edf-ordering-policy"),
  /**
   * Earliest received time plus the request's time-to-first-token objective in milliseconds
   * ({@code x-llm-d-slo-ttft-ms}, or {@code x-slo-ttft-ms}); without a valid one, last.
   */
  SLO_DEADLINE("slo-deadline-ordering-policy");

  private final String type;

  Ordering(String type) {
    this.type = type;
  }

  public String type() {
    return type;
  }

  public static Ordering ofType(String type) {
    return PolicyTypes.byType(values(), Ordering::type, type);
  }

  public static List<String> types() {
    return PolicyTypes.types(values(), Ordering::type);
  }

  /**
   * The request's key under this ordering.
   *
   * @param enqueuedMillis when it was queued
   * @param ttlMillis its queue-wait budget, 0 for none
   * @param sloHeader the value of {@link dev.loadfuse.picker.scheduling.ControlHeader#SLO_TTFT_MS}, null when absent
   */
  long key(long enqueuedMillis, long ttlMillis, String sloHeader) {
    return switch (this) {
      case FCFS -> 0;
      case EDF -> ttlMillis > 0 ? enqueuedMillis + ttlMillis : Long.MAX_VALUE;
      case SLO_DEADLINE -> {
        long slo = sloMillis(sloHeader);
        yield slo < 0 ? Long.MAX_VALUE : saturatedAdd(enqueuedMillis, slo);
      }
    };
  }

  /** A whole number of milliseconds >= 0, or -1 when missing or not one. */
  static long sloMillis(String header) {
    if (header == null) {
      return -1;
    }
    String s = header.trim();
    if (s.isEmpty() || s.length() > 18) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(s);
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
