package dev.loadfuse.picker.datastore;

import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointSet;
import java.util.ArrayList;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Logger;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The endpoints the picker may route to, each with its latest {@link LoadVector} and in-flight
 * counters, keyed by {@code address:port}.
 *
 * <p><b>Where endpoints come from.</b> In {@link Mode#ENDPOINT_SET} mode an endpoint discovery
 * (the endpoints file) gives the set ({@link #setEndpoints}); vectors attach to the endpoint of the
 * same {@code address:port}, and a vector of an endpoint not (yet) in the set is kept until it is.
 * In {@link Mode#VECTORS} mode (remote sidecars and no endpoints file) every endpoint a vector
 * names is routable, and one not heard of for {@code expireAfterMillis} is dropped ({@link
 * #expire}).
 *
 * <p><b>Drained endpoints.</b> An endpoint whose vector reports a lost GPU is left out of the
 * candidates until a vector says otherwise. So is one whose vector says it is unhealthy (its
 * sidecar's scrapes fail, or find none of the engine's metrics), unless every endpoint not drained
 * for a lost GPU is unhealthy: then the picker fails open to them ({@link #routingToUnhealthy()},
 * logged once as it begins and ends), as a request is better sent to an engine that may be up than
 * refused. An endpoint without a vector yet counts as healthy.
 *
 * <p><b>Threading.</b> Written by the discovery and bus threads, read by every event loop: the
 * routable endpoints are an immutable array snapshot behind a volatile reference, replaced under
 * a lock on change; lookups go through a concurrent map.
 */
public final class Datastore {

  /** Where the endpoint set comes from. */
  public enum Mode {
    /** An endpoint discovery gives the set; vectors only add load. */
    ENDPOINT_SET,
    /** Every endpoint a vector names is routable. */
    VECTORS
  }

  private static final Logger LOG = Logger.getLogger(Datastore.class.getName());
  private static final EndpointState[] NONE = new EndpointState[0];
  private static final Comparator<EndpointState> ORDER =
      Comparator.comparing((EndpointState e) -> e.id().pool()).thenComparing(e -> e.id().name())
          .thenComparing(EndpointState::hostPort);

  private final Mode mode;
  private final long expireAfterMillis;
  private final InstantSource clock;
  private final Map<String, EndpointState> byHostPort = new ConcurrentHashMap<>();
  private final Map<String, LoadVector> latestVectors = new ConcurrentHashMap<>();
  private final Map<String, Long> heardAtMillis = new ConcurrentHashMap<>();
  private volatile EndpointState[] all = NONE;
  private volatile EndpointState[] routable = NONE;
  private volatile boolean endpointSetKnown;
  private volatile boolean routingToUnhealthy;
  private volatile Runnable vectorListener = () -> {};

  /** A datastore on the system clock. */
  public Datastore(Mode mode, long expireAfterMillis) {
    this(mode, expireAfterMillis, InstantSource.system());
  }

  /**
   * @param mode where endpoints come from
   * @param expireAfterMillis in {@link Mode#VECTORS} mode, how long an endpoint stays without a
   *     vector
   * @param clock stamps when each endpoint was last heard of (wall-clock, like {@link #expire})
   */
  public Datastore(Mode mode, long expireAfterMillis, InstantSource clock) {
    this.mode = mode;
    this.clock = java.util.Objects.requireNonNull(clock, "clock");
    if (expireAfterMillis <= 0) {
      throw new IllegalArgumentException("expireAfterMillis: " + expireAfterMillis + " (expected: > 0)");
    }
    this.expireAfterMillis = expireAfterMillis;
  }

  public Mode mode() {
    return mode;
  }

  /**
   * Replaces the endpoint set. Endpoints that stay keep their state (vector, counters); requests
   * in flight to a removed endpoint release against its old state harmlessly.
   */
  public synchronized void setEndpoints(EndpointSet set) {
    Map<String, EndpointState> next = new HashMap<>();
    for (Endpoint e : set) {
      EndpointId id = new EndpointId(e.name(), e.address(), e.port(), e.pool().toString());
      String key = id.hostPort();
      if (next.containsKey(key)) {
        continue; // one address:port selected by two pools: route to it once
      }
      EndpointState state = byHostPort.get(key);
      if (state == null || !state.id().equals(id)) {
        state = new EndpointState(id, e.labels());
        LoadVector v = latestVectors.get(key);
        if (v != null) {
          state.update(v);
        }
      } else {
        state.labels(e.labels());
      }
      next.put(key, state);
    }
    byHostPort.keySet().retainAll(next.keySet());
    byHostPort.putAll(next);
    latestVectors.keySet().retainAll(next.keySet());
    endpointSetKnown = true;
    rebuild();
  }

  /** Runs {@code listener} after each vector taken (flow control retries dispatch). Quick, any thread. */
  public void onVectors(Runnable listener) {
    vectorListener = java.util.Objects.requireNonNull(listener, "listener");
  }

  /** Takes a vector from the bus. Any thread. */
  public void onVector(LoadVector v) {
    take(v);
    vectorListener.run();
  }

  private void take(LoadVector v) {
    String key = v.endpoint().hostPort();
    latestVectors.put(key, v);
    EndpointState state = byHostPort.get(key);
    if (state != null) {
      int was = condition(state.vector());
      state.update(v);
      heardAtMillis.put(key, clock.millis());
      if (was != condition(v)) {
        synchronized (this) {
          rebuild();
        }
      }
      return;
    }
    if (mode == Mode.VECTORS) {
      synchronized (this) {
        state = byHostPort.get(key);
        if (state == null) {
          state = new EndpointState(v.endpoint(), Map.of());
          byHostPort.put(key, state);
        }
        state.update(v);
        heardAtMillis.put(key, clock.millis());
        rebuild();
      }
    }
  }

  /** In {@link Mode#VECTORS} mode drops endpoints not heard of for the expiry time. */
  public synchronized void expire(long nowMillis) {
    if (mode != Mode.VECTORS) {
      return;
    }
    boolean changed = false;
    for (Map.Entry<String, Long> e : new ArrayList<>(heardAtMillis.entrySet())) {
      if (nowMillis - e.getValue() > expireAfterMillis) {
        heardAtMillis.remove(e.getKey());
        latestVectors.remove(e.getKey());
        changed |= byHostPort.remove(e.getKey()) != null;
      }
    }
    if (changed) {
      rebuild();
    }
  }

  private void rebuild() {
    EndpointState[] sorted = byHostPort.values().toArray(NONE);
    Arrays.sort(sorted, ORDER);
    int healthy = 0;
    int notLost = 0;
    EndpointState[] ok = new EndpointState[sorted.length];
    EndpointState[] unhealthy = new EndpointState[sorted.length];
    for (EndpointState s : sorted) {
      int c = condition(s.vector());
      if (c == HEALTHY) {
        ok[healthy++] = s;
      }
      if (c != LOST) {
        unhealthy[notLost++] = s;
      }
    }
    boolean failOpen = healthy == 0 && notLost > 0;
    if (failOpen != routingToUnhealthy) {
      LOG.warning(failOpen ? "every endpoint is unhealthy (" + notLost + " of them): routing to them anyway (fail-open)"
          : "a healthy endpoint again: unhealthy endpoints left out of routing");
    }
    routingToUnhealthy = failOpen;
    all = sorted;
    routable = failOpen ? Arrays.copyOf(unhealthy, notLost)
        : healthy == sorted.length ? sorted : Arrays.copyOf(ok, healthy);
  }

  private static final int HEALTHY = 0;
  private static final int UNHEALTHY = 1;
  private static final int LOST = 2;

  /** What a vector says of its endpoint: healthy (or no vector yet), unhealthy, or a GPU lost. */
  private static int condition(LoadVector v) {
    return v == null ? HEALTHY : v.gpuLost() ? LOST : v.healthy() ? HEALTHY : UNHEALTHY;
  }

  /**
   * True while every endpoint not drained for a lost GPU is unhealthy, and requests go to them
   * anyway (fail-open); {@code loadfuse_picker_routing_to_unhealthy} on {@code /metrics}.
   */
  public boolean routingToUnhealthy() {
    return routingToUnhealthy;
  }

  /** Every known endpoint, drained ones included, in (pool, name) order. Do not modify. */
  public EndpointState[] all() {
    return all;
  }

  /**
   * The endpoints requests may go to (drained and unhealthy ones left out, unless all are unhealthy),
   * in (pool, name) order. Do not modify.
   */
  public EndpointState[] routable() {
    return routable;
  }

  /**
   * True once the endpoint source has spoken: a first endpoint set (even an empty one: the pool
   * listed with no pods), or (vectors mode) a first vector. What the health port calls synced.
   */
  public boolean synced() {
    return mode == Mode.VECTORS ? all.length > 0 : endpointSetKnown;
  }

  /** True once endpoints are known: a first endpoint set, or (vectors mode) a first vector. */
  public boolean ready() {
    return mode == Mode.VECTORS ? all.length > 0 : endpointSetKnown && all.length > 0;
  }

  /** The endpoint at {@code address:port}, null when unknown. */
  public EndpointState get(String hostPort) {
    return byHostPort.get(hostPort);
  }

  /**
   * The routable endpoints named by an Envoy subset hint: an entry naming an endpoint's exact
   * {@code ip:port} ({@code [v6]:port}) selects that endpoint; any other entry (another port, or a
   * bare address) selects every endpoint on its address, as the reference matches (by address
   * only, which cannot tell apart endpoints sharing an address: data-parallel ranks, local mode).
   * Unknown entries are ignored. Returns a new array.
   */
  public EndpointState[] subset(List<String> hint) {
    EndpointState[] from = routable;
    boolean[] chosen = new boolean[from.length];
    for (String entry : hint) {
      boolean exact = false;
      for (int i = 0; i < from.length; i++) {
        if (entry.equals(from[i].hostPort())) {
          chosen[i] = exact = true;
        }
      }
      if (!exact) {
        String address = address(entry);
        for (int i = 0; i < from.length; i++) {
          chosen[i] |= address.equals(from[i].id().address());
        }
      }
    }
    EndpointState[] out = new EndpointState[from.length];
    int n = 0;
    for (int i = 0; i < from.length; i++) {
      if (chosen[i]) {
        out[n++] = from[i];
      }
    }
    return Arrays.copyOf(out, n);
  }

  /** The address of a subset entry: {@code 10.0.0.1:8000} → {@code 10.0.0.1}, {@code [fd00::1]:80} → {@code fd00::1}. */
  static String address(String entry) {
    if (entry.startsWith("[")) {
      int close = entry.indexOf(']');
      return close > 0 ? entry.substring(1, close) : entry;
    }
    int colon = entry.indexOf(':');
    return colon >= 0 && colon == entry.lastIndexOf(':') ? entry.substring(0, colon) : entry; // a bare v6 has several
  }

  /** The latest vectors of the known endpoints, in endpoint order (endpoints without one left out). */
  public List<LoadVector> vectors() {
    List<LoadVector> out = new ArrayList<>();
    for (EndpointState s : all) {
      if (s.vector() != null) {
        out.add(s.vector());
      }
    }
    return out;
  }
}
