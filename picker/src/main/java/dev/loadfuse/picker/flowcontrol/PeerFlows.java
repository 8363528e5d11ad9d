package dev.loadfuse.picker.flowcontrol;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The other replicas' flow-control queues, merged from their {@link FlowReport}s: how many requests
 * and bytes wait at the peers, per band and in all, and per flow how many wait and how many the
 * peers dispatched recently.
 *
 * <p>Written on one thread (the {@link FlowExchange}'s event loop: {@link #merge}, {@link
 * #forgetOlderThan}), read from any (the dispatch cycle reads {@link #view()}, an immutable
 * snapshot rebuilt at each change): the hot path takes no lock and does no merging.
 *
 * <p>Bounded: at most {@link #MAX_PEERS} peers (a report from one more is ignored until one is
 * forgotten), each with at most {@link FlowReport#MAX_BANDS} bands and {@link FlowReport#MAX_FLOWS}
 * flows; a peer not heard from within the exchange's timeout is forgotten.
 */
public final class PeerFlows {

  /** The most peers remembered at once. */
  public static final int MAX_PEERS = 64;

  /** A flow at the peers: waiting requests, and recent dispatches as of {@link View#atMillis}. */
  public record FlowView(String flow, int queued, double recent) {}

  /**
   * One band at the peers.
   *
   * @param flows every flow the peers reported, by fairness id
   * @param waiting the flows with requests waiting at a peer
   */
  public record BandView(int requests, long bytes, Map<String, FlowView> flows, List<FlowView> waiting) {}

  /**
   * The peers' queues as of {@code atMillis} (recent counts decayed to then).
   *
   * @param peers how many peers it merges
   */
  public record View(long atMillis, int peers, long requests, long bytes, Map<Integer, BandView> bands) {

    static final View EMPTY = new View(0, 0, 0, 0, Map.of());

    /** The band of {@code priority}, null when no peer reported it. */
    public BandView band(int priority) {
      return bands.get(priority);
    }
  }

  private record Heard(FlowReport report, long atMillis) {}

  private final Map<UUID, Heard> heard = new LinkedHashMap<>();
  private volatile View view = View.EMPTY;

  /** The merged view; never null. */
  public View view() {
    return view;
  }

  /** Takes {@code report} as its sender's latest, heard at {@code nowMillis}. */
  public void merge(FlowReport report, long nowMillis) {
    if (!heard.containsKey(report.origin()) && heard.size() >= MAX_PEERS) {
      return;
    }
    heard.put(report.origin(), new Heard(report, nowMillis));
    rebuild(nowMillis);
  }

  /** Forgets the peers last heard before {@code cutoffMillis}; true when one went. */
  public boolean forgetOlderThan(long cutoffMillis, long nowMillis) {
    boolean gone = heard.values().removeIf(h -> h.atMillis() < cutoffMillis);
    if (gone) {
      rebuild(nowMillis);
    }
    return gone;
  }

  private void rebuild(long nowMillis) {
    long requests = 0;
    long bytes = 0;
    Map<Integer, long[]> bandTotals = new HashMap<>();
    Map<Integer, Map<String, FlowView>> flows = new HashMap<>();
    for (Heard h : heard.values()) {
      for (FlowReport.BandLoad b : h.report().bands()) {
        long[] t = bandTotals.computeIfAbsent(b.priority(), p -> new long[2]);
        t[0] += b.requests();
        t[1] += b.bytes();
        requests += b.requests();
        bytes += b.bytes();
      }
      long age = nowMillis - h.atMillis();
      for (FlowReport.FlowLoad f : h.report().flows()) {
        double recent = FlowShares.decay(f.recent(), age);
        flows.computeIfAbsent(f.priority(), p -> new HashMap<>())
            .merge(f.flow(), new FlowView(f.flow(), f.queued(), recent),
                (a, b) -> new FlowView(a.flow(), a.queued() + b.queued(), a.recent() + b.recent()));
      }
    }
    Map<Integer, BandView> bands = new HashMap<>();
    for (Integer p : union(bandTotals, flows)) {
      long[] t = bandTotals.getOrDefault(p, new long[2]);
      Map<String, FlowView> f = flows.getOrDefault(p, Map.of());
      List<FlowView> waiting = new ArrayList<>();
      for (FlowView v : f.values()) {
        if (v.queued() > 0) {
          waiting.add(v);
        }
      }
      bands.put(p, new BandView((int) Math.min(Integer.MAX_VALUE, t[0]), t[1], Map.copyOf(f), List.copyOf(waiting)));
    }
    view = new View(nowMillis, heard.size(), requests, bytes, Map.copyOf(bands));
  }

  private static List<Integer> union(Map<Integer, ?> a, Map<Integer, ?> b) {
    List<Integer> out = new ArrayList<>(a.keySet());
    for (Integer k : b.keySet()) {
      if (!a.containsKey(k)) {
        out.add(k);
      }
    }
    return out;
  }
}
