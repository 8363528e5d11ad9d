package dev.loadfuse.picker.datastore;

import dev.loadfuse.sidecar.api.EndpointId;
import dev.loadfuse.sidecar.api.LoadVector;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.Objects;

/**
 * One endpoint in the datastore: who it is, its latest {@link LoadVector}, and the picker's own
 * count of requests it sent there. Plugins never see it: each scheduling cycle reads it once into
 * an immutable {@code candidate.EndpointView} ({@code candidate.StalenessPolicy}), and only the
 * routing stage counts a picked request against it ({@link #acquire(long)}).
 *
 * <p><b>Unreflected picks.</b> An engine's counts lag behind the picker by up to one scrape
 * interval: a burst of requests picked between two scrapes would all go to the endpoint that looked
 * emptiest. So the picker counts, per endpoint, the requests it picked since the current vector
 * arrived and that are still in flight ({@link #unreflected()}); the views add them to the engine's
 * counts. When a vector with a newer engine sample arrives the count starts again from zero (the
 * engine's numbers now include those requests). The requests picked between the scrape and the
 * vector's arrival (scrape time plus bus latency, milliseconds) are dropped from the count; that
 * error is small and self-correcting.
 *
 * <p><b>Threading.</b> Read by every event loop during scheduling and written by the bus consumer:
 * the vector is a volatile reference, the counters are updated atomically (in this object's own
 * fields, so that a cycle reading many endpoints touches little memory). Counters are clamped at
 * zero when read, since a release may race with a reset. Every change bumps {@link #version()}
 * after it is made.
 */
public final class EndpointState {

  private final String hostPort;
  private final EndpointId id;
  private volatile Map<String, String> labels;
  private volatile LoadVector vector;
  private volatile int epoch;
  private volatile int inFlight;
  private volatile int unreflected;
  private volatile long inFlightTokens;
  private volatile int version;
  private volatile Object lastView;

  private static final VarHandle IN_FLIGHT;
  private static final VarHandle UNREFLECTED;
  private static final VarHandle IN_FLIGHT_TOKENS;
  private static final VarHandle VERSION;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      IN_FLIGHT = l.findVarHandle(EndpointState.class, "inFlight", int.class);
      UNREFLECTED = l.findVarHandle(EndpointState.class, "unreflected", int.class);
      IN_FLIGHT_TOKENS = l.findVarHandle(EndpointState.class, "inFlightTokens", long.class);
      VERSION = l.findVarHandle(EndpointState.class, "version", int.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  public EndpointState(EndpointId id, Map<String, String> labels) {
    this.id = Objects.requireNonNull(id, "id");
    this.hostPort = id.hostPort();
    this.labels = labels == null ? Map.of() : Map.copyOf(labels);
  }

  /** {@code ip:port} (IPv6 in brackets), the key of the datastore and Envoy's destination value. */
  public String hostPort() {
    return hostPort;
  }

  public EndpointId id() {
    return id;
  }

  /** The pod's labels (local mode: the endpoints file's); empty when unknown. */
  public Map<String, String> labels() {
    return labels;
  }

  void labels(Map<String, String> newLabels) {
    labels = newLabels == null ? Map.of() : Map.copyOf(newLabels);
    VERSION.getAndAdd(this, 1);
  }

  /** The latest vector, null before the first one. */
  public LoadVector vector() {
    return vector;
  }

  /**
   * Takes a new vector. When it carries a newer engine sample than the previous one, the count of
   * unreflected picks starts again from zero.
   */
  public void update(LoadVector v) {
    if (!v.endpoint().hostPort().equals(hostPort)) {
      throw new IllegalArgumentException("vector of " + v.endpoint().hostPort() + " given to " + hostPort);
    }
    LoadVector previous = vector;
    vector = v;
    if (previous == null || v.engineSampledAtMillis() > previous.engineSampledAtMillis()) {
      epoch++;
      unreflected = 0;
    }
    VERSION.getAndAdd(this, 1);
  }

  /**
   * Changes with every change of the vector, labels or counters (bumped after the change): what a
   * reader read after seeing a version is at least that new.
   */
  public int version() {
    return version;
  }

  /** Requests the picker sent here that have not finished. */
  public int inFlight() {
    return Math.max(0, inFlight);
  }

  /** Requests picked since the current vector arrived that are still in flight. */
  public int unreflected() {
    return Math.max(0, unreflected);
  }

  /** Estimated prompt tokens of the requests in flight here (see {@link #acquire(long)}). */
  public long inFlightTokens() {
    return Math.max(0, inFlightTokens);
  }

  /** Counts one request sent here; release it exactly once with {@link InFlight#release()}. */
  public InFlight acquire() {
    return acquire(0);
  }

  /**
   * Counts one request of about {@code tokens} prompt tokens sent here; release it exactly once
   * with {@link InFlight#release()}.
   */
  public InFlight acquire(long tokens) {
    int e = epoch;
    long t = Math.max(0, tokens);
    IN_FLIGHT.getAndAdd(this, 1);
    UNREFLECTED.getAndAdd(this, 1);
    if (t > 0) {
      IN_FLIGHT_TOKENS.getAndAdd(this, t);
    }
    VERSION.getAndAdd(this, 1);
    return new InFlight(this, e, t);
  }

  void release(int epochAtPick, long tokens) {
    IN_FLIGHT.getAndAdd(this, -1);
    if (tokens > 0) {
      IN_FLIGHT_TOKENS.getAndAdd(this, -tokens);
    }
    if (epoch == epochAtPick) {
      UNREFLECTED.getAndAdd(this, -1);
    }
    VERSION.getAndAdd(this, 1);
  }

  /**
   * The last snapshot a scheduling cycle built of this endpoint, which the next cycle reuses while
   * nothing it shows changed ({@code candidate.StalenessPolicy}); null before the first. Opaque
   * here.
   */
  public Object lastView() {
    return lastView;
  }

  public void lastView(Object view) {
    lastView = view;
  }

  @Override
  public String toString() {
    return id.name() + "@" + hostPort;
  }
}
