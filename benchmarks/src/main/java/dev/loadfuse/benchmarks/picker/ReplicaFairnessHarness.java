package dev.loadfuse.benchmarks.picker;

import dev.loadfuse.picker.admission.AdmissionGate;
import dev.loadfuse.picker.flowcontrol.Fairness;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Band;
import dev.loadfuse.picker.flowcontrol.FlowControlSettings.Dialect;
import dev.loadfuse.picker.flowcontrol.FlowController;
import dev.loadfuse.picker.flowcontrol.FlowEvents;
import dev.loadfuse.picker.flowcontrol.FlowExchange;
import dev.loadfuse.picker.flowcontrol.Ordering;
import dev.loadfuse.picker.flowcontrol.PeerFlows;
import dev.loadfuse.picker.flowcontrol.PoolState;
import dev.loadfuse.picker.scheduling.SchedulingRequest;
import dev.loadfuse.sidecar.api.cluster.ClusterOptions;
import dev.loadfuse.sidecar.api.cluster.ClusterSecret;
import dev.loadfuse.sidecar.api.cluster.ClusteredVertx;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Fairness across active-active replicas, measured: per-tenant dispatch shares under one flood for
 * one picker, for two that exchange their queues ({@link FlowExchange}), and for two that do not
 * (each keeps its state alone, as the reference does).
 *
 * <p>The pool is {@code --slots} engine slots, each request holding one for {@code --service-ms}
 * (real time); both replicas read the same in-flight count, as they would read the same engines'
 * load. Tenant A floods at 3x the pool's capacity, B sends 0.75x and C 0.25x, as fairness ids of one
 * round-robin band (no limits, no TTL). With two replicas A's flood reaches replica 1 and B's and C's
 * requests replica 2; each replica has its own event loop, its 10 ms tick (as the picker's), hears
 * of its own requests' ends, and, when exchanging, reports every 100 ms over the bus: a local one,
 * or with {@code --bus clustered} two Hazelcast members on 127.0.0.1 with a cluster secret (the
 * reports then cross the cluster in their wire form, sealed). Shares are counted over the dispatches after a warm-up second.
 *
 * <pre>
 * java -cp benchmarks/target/benchmarks.jar dev.loadfuse.benchmarks.picker.ReplicaFairnessHarness \
 *     [--seconds 10] [--slots 8] [--service-ms 20] [--bus local|clustered]
 * </pre>
 */
public record ReplicaFairnessHarness(int slots, long serviceMillis, long seconds, boolean clustered) {

  private static final String[] TENANTS = {"tenant-a", "tenant-b", "tenant-c"};
  /** Each tenant's arrival rate as a multiple of the pool's capacity. */
  private static final double[] LOAD = {3.0, 0.75, 0.25};
  private static final long WARM_UP_MILLIS = 1_000;

  public static void main(String[] args) throws Exception {
    Map<String, String> flags = new LinkedHashMap<>(Map.of("--seconds", "10", "--slots", "8", "--service-ms", "20",
        "--bus", "local"));
    for (int i = 0; i < args.length; i += 2) {
      if (!flags.containsKey(args[i]) || i + 1 >= args.length) {
        System.err.println("unknown flag or missing value: " + args[i] + " (flags: " + flags.keySet() + ")");
        System.exit(2);
      }
      flags.put(args[i], args[i + 1]);
    }
    String bus = flags.get("--bus");
    if (!bus.equals("local") && !bus.equals("clustered")) {
      System.err.println("--bus: " + bus + " (expected: local or clustered)");
      System.exit(2);
    }
    ReplicaFairnessHarness h = new ReplicaFairnessHarness(Integer.parseInt(flags.get("--slots")),
        Long.parseLong(flags.get("--service-ms")), Long.parseLong(flags.get("--seconds")), bus.equals("clustered"));
    double[] one = h.run("one replica", 1, false);
    double[] shared = h.run("two replicas, exchanging", 2, true);
    double[] alone = h.run("two replicas, not exchanging", 2, false);
    System.out.println();
    System.out.println("| setup | " + String.join(" | ", TENANTS) + " | largest difference from one replica |");
    System.out.println("|---|---|---|---|---|");
    row("one replica", one, one);
    row("two replicas, exchanging (" + bus + " bus)", shared, one);
    row("two replicas, not exchanging", alone, one);
    System.exit(0);
  }

  private static void row(String name, double[] shares, double[] reference) {
    StringBuilder b = new StringBuilder("| " + name + " | ");
    double worst = 0;
    for (int t = 0; t < TENANTS.length; t++) {
      b.append(String.format("%.1f %% | ", 100 * shares[t]));
      worst = Math.max(worst, Math.abs(shares[t] - reference[t]) / reference[t]);
    }
    System.out.println(b.append(String.format("%.1f %% of its share |", 100 * worst)));
  }

  /** One setup; returns each tenant's share of the dispatches after the warm-up. */
  private double[] run(String name, int replicas, boolean exchange) throws Exception {
    List<Vertx> nodes = nodes(replicas);
    AtomicInteger inFlight = new AtomicInteger();
    AtomicLong[] counts = {new AtomicLong(), new AtomicLong(), new AtomicLong()};
    long start = System.currentTimeMillis();
    PoolState pool = () -> new PoolState.Reading((double) inFlight.get() / slots, slots, false);
    List<Replica> rs = new ArrayList<>();
    try {
      for (int i = 0; i < replicas; i++) {
        Vertx vertx = nodes.get(nodes.size() == 1 ? 0 : i);
        Context context = vertx.getOrCreateContext();
        PeerFlows peers = exchange ? new PeerFlows() : null;
        FlowController c = new FlowController(settings(), pool, InstantSource.system(), () -> task -> context.runOnContext(v -> task.run()),
            FlowEvents.NONE, peers);
        if (exchange) {
          vertx.deployVerticle(new FlowExchange(c, peers, InstantSource.system(), FlowExchange.Timing.DEFAULT))
              .await(30, TimeUnit.SECONDS);
        }
        rs.add(new Replica(vertx, context, c, serviceMillis));
      }
      double perMilli = slots / (double) serviceMillis; // the pool's capacity, requests per ms
      for (int t = 0; t < TENANTS.length; t++) {
        Replica r = rs.get(t == 0 || rs.size() == 1 ? 0 : 1);
        int tenant = t;
        double[] owed = {0};
        r.context.runOnContext(v -> r.vertx.setPeriodic(5, id -> {
          owed[0] += LOAD[tenant] * perMilli * 5;
          for (; owed[0] >= 1; owed[0]--) {
            r.enter(tenant, inFlight, counts, start);
          }
        }));
      }
      for (Replica r : rs) {
        r.context.runOnContext(v -> r.vertx.setPeriodic(10, id -> r.controller.tick()));
      }
      Thread.sleep(seconds * 1000);
    } finally {
      for (Replica r : rs) {
        r.controller.close();
      }
      for (Vertx v : nodes) {
        v.close().await(30, TimeUnit.SECONDS);
      }
    }
    long total = counts[0].get() + counts[1].get() + counts[2].get();
    double[] shares = new double[TENANTS.length];
    StringBuilder line = new StringBuilder(name + ": " + total + " dispatched after the warm-up;");
    for (int t = 0; t < TENANTS.length; t++) {
      shares[t] = (double) counts[t].get() / total;
      line.append(String.format(" %s %d (%.1f %%)", TENANTS[t], counts[t].get(), 100 * shares[t]));
    }
    System.out.println(line);
    return shares;
  }

  private static FlowControlSettings settings() {
    Band band = new Band(0, 0, 0, Fairness.ROUND_ROBIN, Ordering.FCFS);
    return new FlowControlSettings(Dialect.GIE, 0, 0, Duration.ZERO, Duration.ZERO, band, null, Map.of(0, band), 1.0,
        null, false);
  }

  private List<Vertx> nodes(int replicas) throws Exception {
    if (!clustered || replicas == 1) {
      return List.of(Vertx.vertx());
    }
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < replicas; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        ports.add(s.getLocalPort());
      }
    }
    List<String> members = ports.stream().map(p -> "127.0.0.1:" + p).toList();
    byte[] secret = new byte[32];
    new java.security.SecureRandom().nextBytes(secret);
    List<Vertx> out = new ArrayList<>();
    for (int p : ports) {
      out.add(ClusteredVertx.start(new ClusterOptions(members, "127.0.0.1", p, null, null, "fairness-" + ports.get(0),
          ClusterSecret.of(secret), false), new VertxOptions()).await(60, TimeUnit.SECONDS));
    }
    return out;
  }

  /** One picker replica: its event loop and its flow controller. */
  private record Replica(Vertx vertx, Context context, FlowController controller, long serviceMillis) {

    /** A request of {@code tenant}: once let on it holds a slot for the service time, then frees it. */
    void enter(int tenant, AtomicInteger inFlight, AtomicLong[] counts, long start) {
      SchedulingRequest r = new SchedulingRequest("r", "m", "m", 0, TENANTS[tenant], Map.of(), 100);
      controller.enter(AdmissionGate.Ticket.of(r, () -> {
        inFlight.incrementAndGet();
        if (System.currentTimeMillis() - start >= WARM_UP_MILLIS) {
          counts[tenant].incrementAndGet();
        }
        vertx.setTimer(serviceMillis, id -> {
          inFlight.decrementAndGet();
          controller.released();
        });
      }, reason -> {}));
    }
  }
}
