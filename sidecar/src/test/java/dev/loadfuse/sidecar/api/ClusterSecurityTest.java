package dev.loadfuse.sidecar.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.loadfuse.common.testing.Await;
import dev.loadfuse.sidecar.api.cluster.ClusterOptions;
import dev.loadfuse.sidecar.api.cluster.ClusterSecret;
import dev.loadfuse.sidecar.api.cluster.ClusteredVertx;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.impl.CodecManager;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The attack of the abuse run, replayed against two real clustered Vert.x instances (a "sidecar"
 * and a "picker") on loopback that share a secret: an outside member without the secret, or with
 * another one, cannot join; frames written straight to the picker's event-bus port (what anyone
 * who reaches it can do, no join needed) are dropped and counted when unsealed, sealed with
 * another secret, altered, replayed, too old or of the wrong type; and the members with the right
 * secret exchange vectors and snapshots end to end. Also: with a cluster host, nothing listens on
 * another address.
 */
class ClusterSecurityTest {

  private static final ClusterSecret SECRET = ClusterSecret.of(bytes("the-right-secret-of-this-test-cluster!"));
  private static final ClusterSecret OTHER = ClusterSecret.of(bytes("another-secret-that-must-not-get-in!!!"));
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static String name;
  private static List<String> members;
  private static int sidecarPort;
  private static int pickerPort;
  private static int sidecarBusPort;
  private static int pickerBusPort;
  private static Vertx sidecar;
  private static Vertx picker;
  private static final List<LoadVector> received = new CopyOnWriteArrayList<>();
  private static final List<Vertx> others = Collections.synchronizedList(new ArrayList<>());

  @BeforeAll
  static void startTheCluster() throws Exception {
    sidecarPort = freePort();
    pickerPort = freePort();
    sidecarBusPort = freePort();
    pickerBusPort = freePort();
    name = "loadfuse-security-test-" + sidecarPort;
    members = List.of("127.0.0.1:" + sidecarPort, "127.0.0.1:" + pickerPort);
    sidecar = start(options(sidecarPort, SECRET), sidecarBusPort);
    picker = start(options(pickerPort, SECRET), pickerBusPort);
    picker.eventBus().<LoadVector>consumer(LoadBus.LOAD.name(), m -> received.add(m.body()))
        .completion().await(30, TimeUnit.SECONDS);
    sidecar.eventBus().consumer(LoadBus.SNAPSHOT.name(), m -> {
      if (m.body() instanceof SnapshotRequest r) {
        sidecar.eventBus().send(r.replyTo(), new LoadSnapshot(List.of(vector("snap-0"))));
      }
    }).completion().await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    for (Vertx v : others) {
      v.close().await(30, TimeUnit.SECONDS);
    }
    if (picker != null) {
      picker.close().await(30, TimeUnit.SECONDS);
    }
    if (sidecar != null) {
      sidecar.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static ClusterOptions options(int port, ClusterSecret secret) {
    return new ClusterOptions(members, "127.0.0.1", port, null, null, name, secret, secret == null);
  }

  private static Vertx start(ClusterOptions options, int busPort) throws Exception {
    VertxOptions vo = new VertxOptions();
    vo.getEventBusOptions().setPort(busPort);
    return ClusteredVertx.start(options, vo).await(90, TimeUnit.SECONDS);
  }

  // ---------------------------------------------------------------- the right secret works

  @Test
  void membersWithTheSecret_exchangeVectorsAndSnapshots_sealed() throws Exception {
    assertThat(BusCodecs.sealed(sidecar)).isTrue();
    LoadVector sent = LoadWireFormatTest.fullVector();
    long timer = sidecar.setPeriodic(50, id -> sidecar.eventBus().publish(LoadBus.LOAD.name(), sent));
    try {
      Await.until("the sidecar's vector at the picker", WAIT, () -> received.contains(sent));
    } finally {
      sidecar.cancelTimer(timer);
    }
    assertThat(received.stream().filter(sent::equals).findFirst().orElseThrow()).isNotSameAs(sent);

    CompletableFuture<LoadSnapshot> snapshot = new CompletableFuture<>();
    String inbox = "picker.inbox." + pickerPort;
    BusCodecs.expect(picker, new Address<>(inbox, LoadSnapshot.class));
    picker.eventBus().<LoadSnapshot>consumer(inbox, m -> snapshot.complete(m.body())).completion().await(30, TimeUnit.SECONDS);
    long ask = picker.setPeriodic(100, id -> picker.eventBus().publish(LoadBus.SNAPSHOT.name(), new SnapshotRequest(inbox)));
    try {
      assertThat(snapshot.get(60, TimeUnit.SECONDS).vectors()).extracting(v -> v.endpoint().name()).containsExactly("snap-0");
    } finally {
      picker.cancelTimer(ask);
    }
  }

  // ---------------------------------------------------------------- outsiders cannot join

  @Test
  void memberWithoutTheSecret_orWithAnotherOne_isRefusedAtTheJoin() throws Exception {
    int insecurePort = freePort();
    int wrongPort = freePort();
    others.add(start(options(insecurePort, null), freePort()));
    others.add(start(options(wrongPort, OTHER), freePort()));

    assertThat(membersOf(sidecarPort)).as("the cluster of the secret's holders").containsExactlyInAnyOrder(sidecarPort, pickerPort);
    assertThat(membersOf(insecurePort)).as("an insecure outsider is alone").containsExactly(insecurePort);
    assertThat(membersOf(wrongPort)).as("a member with another secret is alone").containsExactly(wrongPort);
  }

  /** The member ports of the Hazelcast cluster that the member on {@code port} sees. */
  private static List<Integer> membersOf(int port) {
    for (HazelcastInstance h : Hazelcast.getAllHazelcastInstances()) {
      if (h.getCluster().getLocalMember().getAddress().getPort() == port) {
        return h.getCluster().getMembers().stream().map(m -> m.getAddress().getPort()).toList();
      }
    }
    throw new AssertionError("no Hazelcast member on port " + port);
  }

  // ---------------------------------------------------------------- frames written straight to the bus port

  @Test
  void framesWithoutTheSecret_alteredOrReplayed_areDroppedAndCounted_andTheRightOneIsTakenOnce() throws Exception {
    BusSeal right = new BusSeal(SECRET.sealKey());
    BusSeal wrong = new BusSeal(OTHER.sealKey());
    BusSeal late = new BusSeal(SECRET.sealKey(), new byte[16], () -> System.currentTimeMillis() - 60_000, BusSeal.DEFAULT_MAX_AGE);
    String load = LoadBus.LOAD.name();

    // The attack of the abuse run: an endpoint at another address with zero load, unsealed.
    Buffer plain = Buffer.buffer();
    LoadWireFormat.writeVector(plain, vector("attacker-plain"));
    // Sealed with another secret.
    Buffer otherSecret = sealed(wrong, vector("attacker-other-secret"));
    // Sealed right, for the picker: taken once, refused when replayed or altered.
    Buffer genuine = sealed(right, vector("genuine-0"));
    Buffer altered = genuine.copy();
    altered.setByte(altered.length() - 20, (byte) (altered.getByte(altered.length() - 20) ^ 1));
    Buffer stale = sealed(late, vector("attacker-stale"));
    Buffer string = Buffer.buffer();
    CodecManager.STRING_MESSAGE_CODEC.encodeToWire(string, "{\"address\": \"10.9.9.9\", \"waitingRequests\": 0}");

    long authBefore = BusCodecs.rejected(picker, BusSeal.Reason.AUTH);
    long replayBefore = BusCodecs.rejected(picker, BusSeal.Reason.REPLAY);
    long staleBefore = BusCodecs.rejected(picker, BusSeal.Reason.STALE);
    long typeBefore = BusCodecs.rejected(picker, BusSeal.Reason.TYPE);
    try (Socket s = new Socket("127.0.0.1", pickerBusPort)) {
      OutputStream out = s.getOutputStream();
      write(out, frame(load, load, plain));
      write(out, frame(load, load, otherSecret));
      write(out, frame(load, load, genuine));
      write(out, frame(load, load, genuine));
      write(out, frame(load, load, altered));
      write(out, frame(load, load, stale));
      write(out, frame(null, load, string));
      out.flush();

      Await.until("the genuine vector", WAIT, () -> received.stream().anyMatch(v -> v.endpoint().name().equals("genuine-0")));
      Await.until("3 authentication failures (unsealed, other secret, altered)", WAIT,
          () -> BusCodecs.rejected(picker, BusSeal.Reason.AUTH) - authBefore >= 3);
      Await.until("1 replay", WAIT, () -> BusCodecs.rejected(picker, BusSeal.Reason.REPLAY) - replayBefore >= 1);
      Await.until("1 stale frame", WAIT, () -> BusCodecs.rejected(picker, BusSeal.Reason.STALE) - staleBefore >= 1);
      Await.until("1 string on a typed address", WAIT, () -> BusCodecs.rejected(picker, BusSeal.Reason.TYPE) - typeBefore >= 1);
    }
    assertThat(BusCodecs.rejected(picker, BusSeal.Reason.AUTH) - authBefore).isEqualTo(3);
    assertThat(BusCodecs.rejected(picker, BusSeal.Reason.REPLAY) - replayBefore).isEqualTo(1);
    assertThat(received.stream().filter(v -> v.endpoint().name().equals("genuine-0"))).as("taken once").hasSize(1);
    assertThat(received).as("no outsider's vector reached the consumer")
        .noneMatch(v -> v.endpoint().name().startsWith("attacker"));

    // The counters are on the picker's /metrics once bound.
    var registry = new io.micrometer.prometheusmetrics.PrometheusMeterRegistry(
        io.micrometer.prometheusmetrics.PrometheusConfig.DEFAULT);
    BusCodecs.bindMetrics(picker, registry);
    assertThat(registry.scrape()).contains(BusCodecs.REJECTED_METRIC + "{reason=\"replay\"}")
        .contains(BusCodecs.REJECTED_METRIC + "{reason=\"auth\"}");
  }

  // ---------------------------------------------------------------- one interface only

  @Test
  void withAClusterHost_hazelcastAndTheEventBus_listenOnThatAddressOnly() throws Exception {
    for (int port : List.of(sidecarPort, sidecarBusPort)) {
      List<String> listening = listeners(port);
      if (listening != null) {
        assertThat(listening).as("listening sockets on port %d (/proc/net/tcp, tcp6)", port).isNotEmpty()
            .allMatch(a -> a.equals("127.0.0.1"));
      }
      // Where this machine has another address, a connection to it is refused.
      for (InetAddress other : otherAddresses()) {
        try (Socket s = new Socket()) {
          s.connect(new InetSocketAddress(other, port), 2000);
          throw new AssertionError("port " + port + " answers on " + other.getHostAddress());
        } catch (java.net.ConnectException expected) {
          // refused: nothing listens there
        }
      }
    }
  }

  /** The local addresses LISTENing on {@code port}, from /proc/net/tcp and tcp6; null where there is no /proc. */
  static List<String> listeners(int port) throws Exception {
    List<String> out = new ArrayList<>();
    boolean any = false;
    for (String table : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      Path p = Path.of(table);
      if (!Files.isReadable(p)) {
        continue;
      }
      any = true;
      for (String line : Files.readAllLines(p).subList(1, Files.readAllLines(p).size())) {
        String[] f = line.trim().split("\\s+");
        String[] local = f[1].split(":");
        if (!f[3].equals("0A") || Integer.parseInt(local[1], 16) != port) {
          continue;
        }
        out.add(address(local[0]));
      }
    }
    return any ? out : null;
  }

  /** A /proc/net hex address: IPv4 little-endian words; IPv4-mapped IPv6 shown as IPv4. */
  private static String address(String hex) {
    byte[] b = new byte[hex.length() / 2];
    for (int word = 0; word < b.length / 4; word++) {
      for (int i = 0; i < 4; i++) {
        b[word * 4 + i] = (byte) Integer.parseInt(hex.substring(word * 8 + (3 - i) * 2, word * 8 + (3 - i) * 2 + 2), 16);
      }
    }
    try {
      return InetAddress.getByAddress(b).getHostAddress();
    } catch (java.net.UnknownHostException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<InetAddress> otherAddresses() throws Exception {
    List<InetAddress> out = new ArrayList<>();
    for (NetworkInterface ni : Collections.list(NetworkInterface.getNetworkInterfaces())) {
      if (ni.isUp() && !ni.isLoopback()) {
        for (InetAddress a : Collections.list(ni.getInetAddresses())) {
          if (a instanceof java.net.Inet4Address) {
            out.add(a);
          }
        }
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- helpers

  /** A frame of the Vert.x 5 clustered event-bus wire protocol (version 2), as any TCP client can write one. */
  private static Buffer frame(String codecName, String address, Buffer body) {
    Buffer b = Buffer.buffer();
    b.appendInt(0).appendByte((byte) 2);
    if (codecName == null) {
      b.appendByte(CodecManager.STRING_MESSAGE_CODEC.systemCodecID());
    } else {
      b.appendByte((byte) -1);
      string(b, codecName);
    }
    b.appendByte((byte) 1); // publish
    string(b, address);
    b.appendInt(0); // no reply address
    string(b, "outsider-node");
    b.appendInt(4); // no headers
    b.appendBuffer(body);
    b.setInt(0, b.length() - 4);
    return b;
  }

  private static void string(Buffer b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    b.appendInt(bytes.length).appendBytes(bytes);
  }

  private static void write(OutputStream out, Buffer frame) throws Exception {
    out.write(frame.getBytes());
  }

  private static Buffer sealed(BusSeal seal, LoadVector v) {
    Buffer plain = Buffer.buffer();
    LoadWireFormat.writeVector(plain, v);
    Buffer out = Buffer.buffer();
    seal.seal(LoadBus.LOAD.name(), plain, out);
    return out;
  }

  private static LoadVector vector(String name) {
    return LoadVector.unknown(new EndpointId(name, "10.9.9.9", 8000, "default/pool"), "vllm");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
