package dev.loadfuse.picker.flowcontrol;

import dev.loadfuse.picker.scheduling.ControlHeader;
import dev.loadfuse.picker.PickerException;
import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Band;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Dialect;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

/**
 * Flow control: the {@link AdmissionGate} that queues admitted requests while the pool is
 * saturated and lets them on by priority and fairness as it frees up, with the reference's
 * contract ({@link FlowControlSettings}).
 *
 * <p><b>Model.</b> A request's flow is its fairness id within its priority band. Bands are served
 * in strict priority order (highest first); within a band the {@link Fairness} policy picks the
 * flow and the {@link Ordering} policy the request. A request is let on when the pool's saturation
 * ({@link PoolState}) is below the usage limit; a band that cannot dispatch blocks the bands below
 * it (the reference's rule). When nothing waits and the pool has room, a request passes at once
 * without queueing.
 *
 * <p><b>Dispatch</b> is event-driven: after each arrival, after each dispatched request has been
 * scheduled (so its in-flight count is visible to the next saturation reading), on {@link #poke()}
 * (a finished response, a new load vector), and on {@link #tick} (a short timer, which also expires
 * requests past their TTL). One request at a time is on its way to scheduling, so a burst of
 * dispatches cannot overshoot the saturation reading.
 *
 * <p><b>Answers.</b> A request is dispatched or refused on its own event loop (the {@link Executor}
 * captured when it arrived). Capacity refusals, TTL expiry and shutdown are answered with the
 * status, body and (router) {@code x-llm-d-request-dropped-reason} header of the config's
 * reference. A request whose client goes away leaves its queue at once and frees its capacity.
 *
 * <p><b>Bounds.</b> The queues hold at most {@code maxRequests}/{@code maxBytes} (global and per
 * band) when configured, and never more than {@link #HARD_MAX_QUEUED} requests in any case. Empty
 * flows and unlisted bands are dropped as soon as they empty.
 *
 * <p>Thread-safe: one lock guards the queues; answers run outside it.
 */
public final class FlowController implements AdmissionGate, AutoCloseable {

  /** The most requests queued at once whatever the config says: about 100 MiB of queue entries. */
  public static final int HARD_MAX_QUEUED = 1_000_000;
  /**
   * The longest a round-robin band leaves the room to peers' waiting flows without dispatching one
   * of its own: a peer that reports waiting requests but does not dispatch them (cut off from the
   * engines, stuck) cannot stall this replica for longer.
   */
  static final long MAX_YIELD_MILLIS = 1_000;

  private static final Comparator<Item> ORDER =
      Comparator.<Item>comparingLong(i -> i.key).thenComparingLong(i -> i.seq);

  private final FlowControlSettings settings;
  private final PoolState pool;
  private final InstantSource clock;
  private final Supplier<Executor> callerExecutor;
  private final FlowEvents events;
  /** The other replicas' queues; null when this picker runs alone. */
  private final PeerFlows peers;

  // Guarded by this.
  private final TreeMap<Integer, BandQueue> bands = new TreeMap<>(Comparator.reverseOrder());
  private long queuedBytes;
  private int queuedRequests;
  private long seq;
  private boolean inTransit;
  private boolean kicking;
  private boolean kickAgain;
  private boolean closed;
  /** This replica's recent dispatches per flow (only kept when there are peers to tell). */
  private final FlowShares shares = new FlowShares();

  /**
   * @param callerExecutor the executor of the calling event loop, asked in {@link #enter}: where
   *     that request's answer runs
   */
  public FlowController(FlowControlSettings settings, PoolState pool, InstantSource clock,
      Supplier<Executor> callerExecutor, FlowEvents events) {
    this(settings, pool, clock, callerExecutor, events, null);
  }

  /**
   * A controller among active-active replicas: round-robin bands serve the flow with the fewest
   * recent dispatches in the whole pool, and the capacity limits count the requests waiting at the
   * peers too ({@link FlowExchange} keeps {@code peers} up to date).
   *
   * @param peers the other replicas' queues; null when this picker runs alone
   */
  public FlowController(FlowControlSettings settings, PoolState pool, InstantSource clock,
      Supplier<Executor> callerExecutor, FlowEvents events, PeerFlows peers) {
    this.peers = peers;
    this.settings = Objects.requireNonNull(settings, "settings");
    this.pool = Objects.requireNonNull(pool, "pool");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.callerExecutor = Objects.requireNonNull(callerExecutor, "callerExecutor");
    this.events = events == null ? FlowEvents.NONE : events;
    for (Band b : settings.bands().values()) {
      bands.put(b.priority(), new BandQueue(b, true));
    }
  }

  public FlowControlSettings settings() {
    return settings;
  }

  @Override
  public Wait enter(Ticket ticket) {
    SchedulingRequest r = ticket.request();
    long startNanos = System.nanoTime();
    Executor executor = callerExecutor.get();
    long now = clock.millis();
    PickerException refusal;
    Item item;
    Outcome outcome;
    synchronized (this) {
      if (closed) {
        refusal = shutdown();
        outcome = Outcome.REJECTED_OTHER;
        item = null;
      } else if (queuedRequests == 0 && !inTransit && hasRoom(read())) {
        counted(r.priority(), r.fairnessId(), now);
        outcome = Outcome.DISPATCHED;
        refusal = null;
        item = null;
      } else {
        BandQueue band = bands.get(r.priority());
        Band spec = band != null ? band.spec : settings.bandFor(r.priority());
        long bytes = r.bodyBytes();
        if (overCapacity(spec, band, bytes)) {
          boolean noEndpoints = settings.dialect() == Dialect.ROUTER && pool.read().endpoints() == 0;
          outcome = noEndpoints ? Outcome.REJECTED_NO_ENDPOINTS : Outcome.REJECTED_CAPACITY;
          refusal = capacity(noEndpoints);
          item = null;
        } else {
          if (band == null) {
            band = new BandQueue(spec, false);
            bands.put(spec.priority(), band);
          }
          long ttl = ttlMillis(settings.requestTtl());
          String slo = ControlHeader.SLO_TTFT_MS.valueIn(r.headers());
          item = new Item(ticket, r, executor, r.fairnessId(), r.priority(), bytes, now,
              spec.ordering().key(now, ttl, slo), seq++);
          band.add(item);
          queuedBytes += bytes;
          queuedRequests++;
          events.queueChanged(r, 1, bytes);
          outcome = null;
          refusal = null;
        }
      }
      if (outcome != null) {
        events.finished(r, outcome, 0);
      }
      events.enqueued(r, outcome, System.nanoTime() - startNanos);
    }
    if (refusal != null) {
      ticket.reject(refusal);
      return Wait.NONE;
    }
    if (item == null) {
      ticket.dispatch();
      return Wait.NONE;
    }
    kick();
    return item;
  }

  /** Something changed that may free the pool (a new load vector): try to dispatch. */
  public void poke() {
    kick();
  }

  /** A request let on has finished: capacity may have come free. */
  @Override
  public void released() {
    kick();
  }

  /** The timer: expires requests past their wait budget, then tries to dispatch. */
  public void tick() {
    long now = clock.millis();
    List<Item> expired = new ArrayList<>();
    boolean poolEmpty;
    synchronized (this) {
      if (queuedRequests == 0) {
        return;
      }
      poolEmpty = pool.read().endpoints() == 0;
      long ttl = ttlMillis(poolEmpty ? settings.noEndpointRequestTtl() : settings.requestTtl());
      if (ttl > 0) {
        for (BandQueue band : new ArrayList<>(bands.values())) {
          band.expire(now - ttl, expired);
        }
        for (Item i : expired) {
          remove(i);
          events.finished(i.request, Outcome.EVICTED_TTL, now - i.enqueuedMillis);
        }
      }
    }
    PickerException e = expired.isEmpty() ? null : ttlExpired(poolEmpty);
    for (Item i : expired) {
      i.executor.execute(() -> i.ticket.reject(e));
    }
    kick();
  }

  /** Refuses every queued request (shutdown) and every later one. */
  @Override
  public void close() {
    List<Item> all = new ArrayList<>();
    long now = clock.millis();
    synchronized (this) {
      closed = true;
      for (BandQueue band : bands.values()) {
        all.addAll(band.all);
        for (TreeSet<Item> flow : band.flows.values()) {
          all.addAll(flow);
        }
      }
      for (Item i : all) {
        remove(i);
        events.finished(i.request, Outcome.EVICTED_OTHER, now - i.enqueuedMillis);
      }
    }
    PickerException e = shutdown();
    for (Item i : all) {
      i.executor.execute(() -> i.ticket.reject(e));
    }
  }

  /** Requests waiting now. */
  public synchronized int queuedRequests() {
    return queuedRequests;
  }

  /** Body bytes of the requests waiting now. */
  public synchronized long queuedBytes() {
    return queuedBytes;
  }

  /** Requests waiting now in the band of {@code priority}. */
  public synchronized int queuedRequests(int priority) {
    BandQueue b = bands.get(priority);
    return b == null ? 0 : b.requests;
  }

  /**
   * True when no dispatch cycle runs and no request is on its way to scheduling: nothing will be
   * let on until the next arrival, release, poke or tick (for harnesses that step time).
   */
  public synchronized boolean settled() {
    return !kicking && !inTransit;
  }

  /**
   * What this replica tells its peers: every band's queue, and the busiest flows (most waiting,
   * then most recently dispatched; at most {@link FlowReport#MAX_FLOWS}, fairness ids of at most
   * {@link FlowReport#MAX_ID_BYTES} bytes).
   */
  public synchronized FlowReport report(java.util.UUID origin) {
    long now = clock.millis();
    List<FlowReport.BandLoad> bandLoads = new ArrayList<>();
    Map<FlowShares.Key, int[]> queued = new java.util.HashMap<>();
    for (BandQueue band : bands.values()) {
      if (band.requests > 0 && bandLoads.size() < FlowReport.MAX_BANDS) {
        bandLoads.add(new FlowReport.BandLoad(band.spec.priority(), band.requests, band.bytes));
      }
      for (Map.Entry<String, TreeSet<Item>> f : band.flows.entrySet()) {
        queued.put(new FlowShares.Key(band.spec.priority(), f.getKey()), new int[] {f.getValue().size()});
      }
    }
    Map<FlowShares.Key, Double> recent = shares.snapshot(now);
    List<FlowReport.FlowLoad> flows = new ArrayList<>();
    java.util.Set<FlowShares.Key> keys = new java.util.HashSet<>(queued.keySet());
    keys.addAll(recent.keySet());
    for (FlowShares.Key k : keys) {
      if (k.flow().getBytes(java.nio.charset.StandardCharsets.UTF_8).length <= FlowReport.MAX_ID_BYTES) {
        int[] q = queued.get(k);
        flows.add(new FlowReport.FlowLoad(k.priority(), k.flow(), q == null ? 0 : q[0], recent.getOrDefault(k, 0.0)));
      }
    }
    flows.sort(Comparator.comparingInt(FlowReport.FlowLoad::queued).reversed()
        .thenComparing(Comparator.comparingDouble(FlowReport.FlowLoad::recent).reversed()));
    return new FlowReport(origin, bandLoads, flows.subList(0, Math.min(flows.size(), FlowReport.MAX_FLOWS)));
  }

  // ---------------------------------------------------------------- dispatch

  /** Dispatches while the pool has room, one request on its way at a time; never re-entrant. */
  private void kick() {
    kick(false);
  }

  /** @param endTransit the request on its way has been scheduled (cleared under the same lock, so {@link #settled()} never sees a gap) */
  private void kick(boolean endTransit) {
    synchronized (this) {
      if (endTransit) {
        inTransit = false;
      }
      if (kicking) {
        kickAgain = true;
        return;
      }
      kicking = true;
    }
    while (true) {
      Item next;
      synchronized (this) {
        if (inTransit || closed || queuedRequests == 0) {
          next = null;
        } else {
          long cycleStart = System.nanoTime();
          next = nextIfRoom();
          events.dispatchCycle(System.nanoTime() - cycleStart);
        }
        if (next == null) {
          if (kickAgain) {
            kickAgain = false;
            continue;
          }
          kicking = false;
          return;
        }
        remove(next);
        inTransit = true;
        counted(next.priority, next.flow, clock.millis());
        events.finished(next.request, Outcome.DISPATCHED, clock.millis() - next.enqueuedMillis);
      }
      Item dispatched = next;
      dispatched.executor.execute(() -> {
        try {
          dispatched.ticket.dispatch();
        } finally {
          kick(true);
        }
      });
    }
  }

  /** The request to dispatch now, or null when the pool has no room for the highest waiting band. */
  private Item nextIfRoom() {
    if (!hasRoom(read())) {
      return null;
    }
    for (BandQueue band : bands.values()) {
      if (band.requests > 0) {
        PeerFlows.View view = peers == null ? PeerFlows.View.EMPTY : peers.view();
        PeerFlows.BandView peerBand = view.band(band.spec.priority());
        if (peerBand == null || !band.roundRobin()) {
          return band.next();
        }
        long now = clock.millis();
        return band.nextInPool(view, peerBand, shares, now);
      }
    }
    return null;
  }

  /** Counts a dispatch of the flow, for the peers (nothing to count without any). */
  private void counted(int priority, String flow, long now) {
    if (peers != null) {
      shares.dispatched(priority, flow, now);
    }
  }

  private PoolState.Reading read() {
    PoolState.Reading r = pool.read();
    events.saturation(r.saturation(), r.stale());
    return r;
  }

  private boolean hasRoom(PoolState.Reading r) {
    return r.endpoints() > 0 && r.saturation() < settings.usageLimit();
  }

  private boolean overCapacity(Band spec, BandQueue band, long bytes) {
    if (queuedRequests >= HARD_MAX_QUEUED) {
      return true;
    }
    // Among replicas the limits hold for the pool: the peers' waiting requests count too.
    PeerFlows.View view = peers == null ? PeerFlows.View.EMPTY : peers.view();
    PeerFlows.BandView peerBand = view.band(spec.priority());
    if (settings.maxRequests() > 0 && queuedRequests + view.requests() + 1 > settings.maxRequests()) {
      return true;
    }
    if (settings.maxBytes() > 0 && queuedBytes + view.bytes() + bytes > settings.maxBytes()) {
      return true;
    }
    int bandRequests = (band == null ? 0 : band.requests) + (peerBand == null ? 0 : peerBand.requests());
    long bandBytes = (band == null ? 0 : band.bytes) + (peerBand == null ? 0 : peerBand.bytes());
    return (spec.maxRequests() > 0 && bandRequests + 1 > spec.maxRequests())
        || (spec.maxBytes() > 0 && bandBytes + bytes > spec.maxBytes());
  }

  private void remove(Item i) {
    BandQueue band = bands.get(i.priority);
    if (band == null || !band.remove(i)) {
      return;
    }
    queuedBytes -= i.bytes;
    queuedRequests--;
    events.queueChanged(i.request, -1, -i.bytes);
    if (band.requests == 0 && !band.listed) {
      bands.remove(i.priority);
    }
  }

  private void cancel(Item i) {
    synchronized (this) {
      BandQueue band = bands.get(i.priority);
      if (band == null || !band.contains(i)) {
        return; // answered already
      }
      remove(i);
      events.finished(i.request, Outcome.EVICTED_CONTEXT_CANCELLED, clock.millis() - i.enqueuedMillis);
    }
    kick(); // its band may have blocked others
  }

  private static long ttlMillis(Duration d) {
    return d.isZero() ? 0 : Math.max(1, d.toMillis());
  }

  // ---------------------------------------------------------------- answers

  private PickerException capacity(boolean noEndpoints) {
    String msg = "request rejected pre-queue: queue at capacity";
    if (settings.dialect() == Dialect.GIE) {
      return new PickerException(PickerException.Code.RESOURCE_EXHAUSTED, msg);
    }
    return noEndpoints
        ? new PickerException(PickerException.Code.SERVICE_UNAVAILABLE,
            "no endpoints available: request rejected pre-queue: no endpoints available", "rejected-no-endpoints")
        : new PickerException(PickerException.Code.RESOURCE_EXHAUSTED, msg, "rejected-saturated");
  }

  private PickerException ttlExpired(boolean poolEmpty) {
    String msg = "request evicted from queue: request TTL expired";
    if (settings.dialect() == Dialect.GIE) {
      return new PickerException(PickerException.Code.SERVICE_UNAVAILABLE, "request timed out in queue: " + msg);
    }
    return poolEmpty
        ? new PickerException(PickerException.Code.SERVICE_UNAVAILABLE,
            "request timed out in queue and no endpoints are available: " + msg, "rejected-no-endpoints")
        : new PickerException(PickerException.Code.RESOURCE_EXHAUSTED, "request timed out in queue: " + msg,
            "rejected-ttl-expired");
  }

  private PickerException shutdown() {
    String msg = "request evicted from queue: flow controller is not running";
    return settings.dialect() == Dialect.GIE
        ? new PickerException(PickerException.Code.INTERNAL, "internal flow control error: " + msg)
        : new PickerException(PickerException.Code.SERVICE_UNAVAILABLE, "flow controller shutting down: " + msg,
            "rejected-shutting-down");
  }

  // ---------------------------------------------------------------- queues

  /** One waiting request; also its {@link Wait}, whose cancel takes it out of its queue. */
  private final class Item implements Wait {

    final Ticket ticket;
    final SchedulingRequest request;
    final Executor executor;
    final String flow;
    final int priority;
    final long bytes;
    final long enqueuedMillis;
    final long key;
    final long seq;

    Item(Ticket ticket, SchedulingRequest request, Executor executor, String flow, int priority, long bytes, long enqueuedMillis, long key,
        long seq) {
      this.ticket = ticket;
      this.request = request;
      this.executor = executor;
      this.flow = flow;
      this.priority = priority;
      this.bytes = bytes;
      this.enqueuedMillis = enqueuedMillis;
      this.key = key;
      this.seq = seq;
    }

    @Override
    public void cancel() {
      FlowController.this.cancel(this);
    }
  }

  /**
   * The requests of one priority band in its policies' order: one queue per flow for round-robin
   * (flows in fairness-id order), one queue for the whole band for global-strict (the best head of
   * every flow is the first of one ordered set).
   */
  private static final class BandQueue {

    final Band spec;
    final boolean listed;
    /** Round-robin: by fairness id. */
    final TreeMap<String, TreeSet<Item>> flows = new TreeMap<>();
    /** Global-strict: every request of the band. */
    final TreeSet<Item> all = new TreeSet<>(ORDER);
    int requests;
    long bytes;
    /** The flow served last (round-robin), null before the first. */
    String lastServed;
    /** Since when this band has left the room to peers without dispatching (-1: it has not). */
    long yieldingSince = -1;
    /** The room left to each peer flow since the peers' view {@link #lentIn} (at most a report's flows). */
    final Map<String, Integer> lent = new java.util.HashMap<>();
    PeerFlows.View lentIn;

    BandQueue(Band spec, boolean listed) {
      this.spec = spec;
      this.listed = listed;
    }

    boolean roundRobin() {
      return spec.fairness() == Fairness.ROUND_ROBIN;
    }

    void add(Item i) {
      if (roundRobin()) {
        flows.computeIfAbsent(i.flow, f -> new TreeSet<>(ORDER)).add(i);
      } else {
        all.add(i);
      }
      requests++;
      bytes += i.bytes;
    }

    boolean contains(Item i) {
      if (!roundRobin()) {
        return all.contains(i);
      }
      TreeSet<Item> q = flows.get(i.flow);
      return q != null && q.contains(i);
    }

    boolean remove(Item i) {
      if (roundRobin()) {
        TreeSet<Item> q = flows.get(i.flow);
        if (q == null || !q.remove(i)) {
          return false;
        }
        if (q.isEmpty()) {
          flows.remove(i.flow);
        }
      } else if (!all.remove(i)) {
        return false;
      }
      requests--;
      bytes -= i.bytes;
      return true;
    }

    /** The request the band's policies serve next (not removed); null when empty. */
    Item next() {
      if (!roundRobin()) {
        return all.isEmpty() ? null : all.first();
      }
      if (flows.isEmpty()) {
        return null;
      }
      Map.Entry<String, TreeSet<Item>> e = lastServed == null ? null : flows.higherEntry(lastServed);
      if (e == null) {
        e = flows.firstEntry();
      }
      lastServed = e.getKey();
      return e.getValue().first();
    }

    /**
     * Round-robin among replicas: the flow with the fewest recent dispatches in the whole pool
     * (this replica's and the peers'; ties in round-robin order after the flow served last), or
     * null to leave the room to a peer whose waiting flow has had fewer still.
     *
     * <p>The peers' counts are as old as their last report: each time this band leaves the room
     * to a peer's flow it counts one dispatch more for that flow until the next report, so that
     * two replicas that each see the other's flows behind do not both wait for the other.
     */
    Item nextInPool(PeerFlows.View view, PeerFlows.BandView peer, FlowShares shares, long now) {
      int priority = spec.priority();
      double peerDecay = FlowShares.decay(1, now - view.atMillis());
      if (view != lentIn) {
        lentIn = view;
        lent.clear();
      }
      String best = null;
      double fewest = Double.MAX_VALUE;
      Iterable<String> after = lastServed == null ? flows.keySet() : flows.tailMap(lastServed, false).keySet();
      Iterable<String> upTo = lastServed == null ? List.of() : flows.headMap(lastServed, true).keySet();
      for (Iterable<String> part : List.of(after, upTo)) {
        for (String f : part) {
          PeerFlows.FlowView p = peer.flows().get(f);
          double count = shares.recent(priority, f, now) + (p == null ? 0 : p.recent() * peerDecay);
          if (count < fewest) {
            fewest = count;
            best = f;
          }
        }
      }
      if (yieldingSince < 0 || now - yieldingSince < MAX_YIELD_MILLIS) {
        for (PeerFlows.FlowView p : peer.waiting()) {
          int given = lent.getOrDefault(p.flow(), 0);
          if (given < p.queued() && shares.recent(priority, p.flow(), now) + p.recent() * peerDecay + given < fewest) {
            yieldingSince = yieldingSince < 0 ? now : yieldingSince;
            if (lent.size() < FlowReport.MAX_FLOWS || given > 0) {
              lent.merge(p.flow(), 1, Integer::sum);
            }
            return null; // a peer serves it when it sees the same room
          }
        }
      }
      if (best == null) {
        return null;
      }
      yieldingSince = -1;
      lastServed = best;
      return flows.get(best).first();
    }

    /** Adds to {@code out} the requests queued at or before {@code queuedBy}. */
    void expire(long queuedBy, List<Item> out) {
      if (roundRobin()) {
        for (TreeSet<Item> q : flows.values()) {
          expire(q, queuedBy, out);
        }
      } else {
        expire(all, queuedBy, out);
      }
    }

    private void expire(TreeSet<Item> q, long queuedBy, List<Item> out) {
      if (spec.ordering() == Ordering.SLO_DEADLINE) {
        for (Item i : q) { // not in arrival order: look at every one
          if (i.enqueuedMillis <= queuedBy) {
            out.add(i);
          }
        }
        return;
      }
      for (Item i : q) { // arrival order (FCFS; EDF with one TTL for all)
        if (i.enqueuedMillis > queuedBy) {
          break;
        }
        out.add(i);
      }
    }
  }
}
