package dev.loadfuse.sidecar.api;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageCodec;
import io.vertx.core.shareddata.LocalMap;
import io.vertx.core.shareddata.Shareable;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The codecs of every message type that may cross the clustered bus, for one Vert.x instance;
 * the generic wrapper any module uses for its own clustered messages ({@link #register}).
 *
 * <ul>
 *   <li><b>Local delivery never copies</b>: the codec passes the (immutable) object by reference;
 *       the {@link WireCodec} is used only for a message that goes to another member.
 *   <li><b>Sealed when the cluster has a secret</b> ({@link #seal}, done by {@code
 *       ClusteredVertx} before anything else uses the bus): every message our codecs write is a
 *       {@link BusSeal} frame bound to its channel (the address it was registered with), and
 *       what does not open is dropped.
 *   <li><b>Typed addresses</b>: on a sealed bus, a message on an address registered with a type
 *       ({@link #register}, {@link #expect}) that is not of that type is dropped: a process
 *       without the secret can still reach the event-bus port and send a string or a JSON object
 *       in Vert.x's own codecs, and only our sealed codecs make our types.
 *   <li>Every dropped message is counted, by reason, in {@value #REJECTED_METRIC} ({@link
 *       #bindMetrics}) and logged at most once a minute per reason, so that an attack or a member
 *       with the wrong secret shows without flooding the log.
 * </ul>
 *
 * <p>The state lives in the Vert.x instance's local shared data, so every verticle of one
 * instance (the sidecar, the picker's feeds) shares one registry. Thread-safe.
 */
public final class BusCodecs {

  /** Messages dropped on the clustered bus, by {@code reason} ({@link BusSeal.Reason#label()}). */
  public static final String REJECTED_METRIC = "loadfuse_cluster_rejected_messages_total";
  /** Least time between two log lines about dropped messages of one reason. */
  static final long LOG_EVERY_MILLIS = 60_000;

  private static final Logger LOG = Logger.getLogger(BusCodecs.class.getName());
  private static final String LOCAL_MAP = "loadfuse.bus";
  private static final String KEY = "codecs";

  private BusCodecs() {}

  /**
   * Seals every clustered message of this Vert.x instance with {@code seal}. Call once, before any
   * codec is registered (a Vert.x started by {@code ClusteredVertx} with a secret is sealed so).
   *
   * @throws IllegalStateException when codecs of this instance were registered already
   */
  public static synchronized void seal(Vertx vertx, BusSeal seal) {
    State s = new State(seal);
    if (map(vertx).putIfAbsent(KEY, s) != null) {
      throw new IllegalStateException("the event bus of this Vert.x has codecs already: seal it before registering any");
    }
    s.install(vertx.eventBus());
  }

  /** Whether this instance's clustered messages are sealed. */
  public static boolean sealed(Vertx vertx) {
    return state(vertx).seal != null;
  }

  /**
   * Registers the codec of {@code address.type()} (once per type; later calls do nothing): chosen
   * for every message of that type, writing {@code wire} (sealed with the channel {@code
   * address.name()} when the bus is sealed); on a sealed bus, {@code address} then takes only
   * that type.
   */
  public static synchronized <T> void register(Vertx vertx, Address<T> address, WireCodec<T> wire) {
    State s = state(vertx);
    if (s.codecNames.containsKey(address.type())) {
      return;
    }
    BusCodec<T> codec = new BusCodec<>(address.name(), wire, s.seal);
    vertx.eventBus().registerCodec(codec);
    s.codecNames.put(address.type(), codec.name());
    s.addressTypes.put(address.name(), address.type());
  }

  /** On a sealed bus, {@code address} (e.g. a reply inbox) takes only messages of its type. */
  public static void expect(Vertx vertx, Address<?> address) {
    state(vertx).addressTypes.put(address.name(), address.type());
  }

  /** {@code address} takes any message again (an inbox closed). */
  public static void forget(Vertx vertx, Address<?> address) {
    state(vertx).addressTypes.remove(address.name(), address.type());
  }

  /** Messages dropped so far for {@code reason}. */
  public static long rejected(Vertx vertx, BusSeal.Reason reason) {
    return state(vertx).rejected.get(reason).get();
  }

  /** Exposes the dropped-message counters as {@value #REJECTED_METRIC}{@code {reason}} (idempotent per registry). */
  public static void bindMetrics(Vertx vertx, MeterRegistry registry) {
    State s = state(vertx);
    for (BusSeal.Reason r : BusSeal.Reason.values()) {
      FunctionCounter.builder(REJECTED_METRIC.substring(0, REJECTED_METRIC.length() - "_total".length()),
              s.rejected.get(r), AtomicLong::get)
          .description("Messages dropped on the clustered event bus: not sealed with this cluster's secret, altered,"
              + " replayed, too old, or of the wrong type for their address")
          .tag("reason", r.label())
          .register(registry);
    }
  }

  private static synchronized State state(Vertx vertx) {
    LocalMap<String, State> m = map(vertx);
    State s = m.get(KEY);
    if (s == null) {
      s = new State(null);
      m.put(KEY, s);
      s.install(vertx.eventBus());
    }
    return s;
  }

  private static LocalMap<String, State> map(Vertx vertx) {
    return vertx.sharedData().getLocalMap(LOCAL_MAP);
  }

  /** One instance's codecs; a {@link Shareable} so the local map hands out this object itself. */
  private static final class State implements Shareable {
    final BusSeal seal;
    final Map<Class<?>, String> codecNames = new ConcurrentHashMap<>();
    final Map<String, Class<?>> addressTypes = new ConcurrentHashMap<>();
    final Map<BusSeal.Reason, AtomicLong> rejected = new EnumMap<>(BusSeal.Reason.class);
    final Map<BusSeal.Reason, AtomicLong> loggedAt = new EnumMap<>(BusSeal.Reason.class);

    State(BusSeal seal) {
      this.seal = seal;
      for (BusSeal.Reason r : BusSeal.Reason.values()) {
        rejected.put(r, new AtomicLong());
        loggedAt.put(r, new AtomicLong(Long.MIN_VALUE));
      }
    }

    void install(EventBus bus) {
      bus.codecSelector(body -> body == null ? null : codecNames.get(body.getClass()));
      bus.addInboundInterceptor(ctx -> {
        Message<?> m = ctx.message();
        Object body;
        try {
          body = m.body(); // decodes (and opens) a message from another member
        } catch (BusSeal.Rejected e) {
          reject(e.reason(), e.getMessage());
          return;
        } catch (RuntimeException e) {
          reject(BusSeal.Reason.MALFORMED, "message on " + m.address() + " cannot be read: " + e.getMessage());
          return;
        }
        if (seal != null) {
          Class<?> type = addressTypes.get(m.address());
          if (type != null && !type.isInstance(body)) {
            reject(BusSeal.Reason.TYPE, "message on " + m.address() + " " + BusSeal.Reason.TYPE.text() + ": "
                + (body == null ? "null" : body.getClass().getSimpleName()) + " (expected: " + type.getSimpleName() + ")");
            return;
          }
        }
        ctx.next();
      });
    }

    void reject(BusSeal.Reason reason, String message) {
      long n = rejected.get(reason).incrementAndGet();
      long now = System.currentTimeMillis();
      AtomicLong last = loggedAt.get(reason);
      long before = last.get();
      if ((before == Long.MIN_VALUE || now - before >= LOG_EVERY_MILLIS) && last.compareAndSet(before, now)) {
        LOG.warning("dropped a clustered message: " + message + " (" + n + " dropped for this reason so far; "
            + REJECTED_METRIC + "{reason=\"" + reason.label() + "\"})");
      }
    }
  }

  /**
   * The Vert.x codec of one type: the object itself on the local bus, {@code wire} (sealed when
   * {@code seal} is set) across the cluster. A message published to several consumers of one
   * member is decoded once per consumer from the same received buffer: the last few decoded
   * frames are remembered by identity, so those copies are not taken for replays.
   */
  static final class BusCodec<T> implements MessageCodec<T, T> {
    private static final int REMEMBERED = 16;

    private final String channel;
    private final WireCodec<T> wire;
    private final BusSeal seal;
    private final Object[] frames = new Object[REMEMBERED];
    private final int[] positions = new int[REMEMBERED];
    private final Object[] decoded = new Object[REMEMBERED];
    private int next;

    BusCodec(String channel, WireCodec<T> wire, BusSeal seal) {
      this.channel = channel;
      this.wire = wire;
      this.seal = seal;
    }

    @Override
    public void encodeToWire(Buffer buffer, T value) {
      if (seal == null) {
        wire.write(buffer, value);
        return;
      }
      Buffer plain = Buffer.buffer(512);
      wire.write(plain, value);
      seal.seal(channel, plain, buffer);
    }

    @Override
    public T decodeFromWire(int pos, Buffer buffer) {
      if (seal == null) {
        return wire.read(buffer, pos);
      }
      synchronized (this) {
        for (int i = 0; i < REMEMBERED; i++) {
          if (frames[i] == buffer && positions[i] == pos) {
            @SuppressWarnings("unchecked")
            T t = (T) decoded[i];
            return t;
          }
        }
      }
      T t;
      try {
        t = wire.read(seal.open(channel, buffer, pos), 0);
      } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
        // Opened (so a member of this cluster sealed it) yet unreadable: another build's format.
        throw new BusSeal.Rejected(BusSeal.Reason.MALFORMED, channel, e.getMessage());
      }
      synchronized (this) {
        frames[next] = buffer;
        positions[next] = pos;
        decoded[next] = t;
        next = (next + 1) % REMEMBERED;
      }
      return t;
    }

    @Override
    public T transform(T value) {
      return value; // immutable: no copy on the local bus
    }

    @Override
    public String name() {
      return channel;
    }

    @Override
    public byte systemCodecID() {
      return -1;
    }
  }
}
