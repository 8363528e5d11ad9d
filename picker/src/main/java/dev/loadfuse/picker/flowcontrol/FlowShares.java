package dev.loadfuse.picker.flowcontrol;

import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * This replica's recent dispatches per flow (priority band and fairness id): a count that halves
 * every {@link #HALF_LIFE_MILLIS}, so that "recent" needs no window of timestamps. Peers' counts
 * ({@link PeerFlows}) decay the same way, so the two add up to the pool's recent dispatches of a
 * flow.
 *
 * <p>Bounded: at most {@link #MAX_FLOWS} flows; counts that have decayed below {@link #FORGET} are
 * dropped, and when full a new flow takes the place of the smallest count. Not thread-safe: the
 * {@link FlowController} guards it with its lock.
 */
final class FlowShares {

  /** How fast a dispatch stops counting: its weight halves every this many milliseconds. */
  static final long HALF_LIFE_MILLIS = 5_000;
  /** The most flows counted at once. */
  static final int MAX_FLOWS = 4_096;
  /** A count below this is forgotten. */
  static final double FORGET = 0.01;

  /** {@code value} as it stands {@code elapsedMillis} later. */
  static double decay(double value, long elapsedMillis) {
    return elapsedMillis <= 0 ? value : value * Math.pow(0.5, (double) elapsedMillis / HALF_LIFE_MILLIS);
  }

  /** A flow of a band. */
  record Key(int priority, String flow) {}

  private static final class Count {
    double value;
    long atMillis;
  }

  private final Map<Key, Count> counts = new HashMap<>();

  /** One dispatch of {@code flow} in band {@code priority}. */
  void dispatched(int priority, String flow, long nowMillis) {
    Key k = new Key(priority, flow);
    Count c = counts.get(k);
    if (c == null) {
      if (counts.size() >= MAX_FLOWS && !makeRoom(nowMillis)) {
        return;
      }
      c = new Count();
      c.atMillis = nowMillis;
      counts.put(k, c);
    }
    c.value = decay(c.value, nowMillis - c.atMillis) + 1;
    c.atMillis = nowMillis;
  }

  /** The flow's recent dispatches as of {@code nowMillis}. */
  double recent(int priority, String flow, long nowMillis) {
    Count c = counts.get(new Key(priority, flow));
    return c == null ? 0 : decay(c.value, nowMillis - c.atMillis);
  }

  /** Every counted flow with its recent dispatches as of {@code nowMillis}; forgets the faded ones. */
  Map<Key, Double> snapshot(long nowMillis) {
    Map<Key, Double> out = new HashMap<>();
    for (Iterator<Map.Entry<Key, Count>> it = counts.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, Count> e = it.next();
      double v = decay(e.getValue().value, nowMillis - e.getValue().atMillis);
      if (v < FORGET) {
        it.remove();
      } else {
        out.put(e.getKey(), v);
      }
    }
    return out;
  }

  /** Drops the faded counts, else the smallest one; false when nothing could go. */
  private boolean makeRoom(long nowMillis) {
    snapshot(nowMillis);
    if (counts.size() < MAX_FLOWS) {
      return true;
    }
    Key smallest = null;
    double least = Double.MAX_VALUE;
    for (Map.Entry<Key, Count> e : counts.entrySet()) {
      double v = decay(e.getValue().value, nowMillis - e.getValue().atMillis);
      if (v < least) {
        least = v;
        smallest = e.getKey();
      }
    }
    return smallest != null && counts.remove(smallest) != null;
  }
}
