package dev.loadfuse.sidecar.api.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import dev.loadfuse.sidecar.api.BusCodecs;
import dev.loadfuse.sidecar.api.BusSeal;
import dev.loadfuse.sidecar.api.LoadBus;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.logging.Logger;

/**
 * Builds a clustered {@link Vertx} over Hazelcast from {@link ClusterOptions}.
 *
 * <ul>
 *   <li>With a {@link ClusterSecret}: the Hazelcast cluster name carries the secret's suffix
 *       (members without it are refused at the join), and the bus is sealed ({@link BusCodecs},
 *       {@link BusSeal}) before the Vert.x is handed out, so nothing of ours ever goes out
 *       unsealed. Without one ({@link ClusterOptions#insecure()}): one loud warning.
 *   <li>With a {@link ClusterOptions#host() host}: Hazelcast and the event bus listen on that
 *       address only ({@code hazelcast.socket.bind.any=false}), not on every interface.
 * </ul>
 */
public final class ClusteredVertx {

  /** Logged at start by a member that runs without a secret. */
  public static final String INSECURE_WARNING = "CLUSTER NOT AUTHENTICATED (--cluster-insecure): any process that"
      + " reaches this member's Hazelcast or event-bus port can join the cluster, read every load vector and publish"
      + " its own, steering traffic to any address. Use --cluster-secret-file outside a test.";

  private static final Logger LOG = Logger.getLogger(ClusteredVertx.class.getName());

  private ClusteredVertx() {}

  public static Future<Vertx> start(ClusterOptions options, VertxOptions vertxOptions) {
    if (options.secret() == null) {
      LOG.warning(INSECURE_WARNING);
    }
    Config config;
    try {
      config = hazelcastConfig(options);
    } catch (IllegalArgumentException e) {
      return Future.failedFuture(e);
    }
    EventBusOptions eb = vertxOptions.getEventBusOptions();
    if (options.host() != null) {
      eb.setHost(options.host());
    }
    return Vertx.builder()
        .with(vertxOptions)
        .withClusterManager(new HazelcastClusterManager(config))
        .buildClustered()
        .map(vertx -> {
          if (options.secret() != null) {
            BusCodecs.seal(vertx, new BusSeal(options.secret().sealKey()));
          }
          LoadBus.install(vertx);
          return vertx;
        });
  }

  static Config hazelcastConfig(ClusterOptions options) {
    // Start from Vert.x's own file: it holds the subscription and node-info maps Vert.x needs.
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(options.effectiveClusterName());
    // No outbound calls to hazelcast.com, and Vert.x closes the instance, not a JVM hook.
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    config.setProperty("hazelcast.logging.type", "jdk");
    // Faster reaction when a member leaves (defaults wait up to a minute).
    config.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    config.setProperty("hazelcast.heartbeat.interval.seconds", "1");

    var network = config.getNetworkConfig();
    if (options.port() > 0) {
      network.setPort(options.port()).setPortAutoIncrement(false);
    } else {
      network.setPort(ClusterOptions.DEFAULT_PORT).setPortAutoIncrement(true).setPortCount(100);
    }
    if (options.host() != null) {
      String ip = ipOf(options.host());
      network.setPublicAddress(options.host());
      // That interface only: Hazelcast binds every interface unless told not to.
      network.getInterfaces().setEnabled(true).addInterface(ip);
      config.setProperty("hazelcast.socket.bind.any", "false");
      config.setProperty("hazelcast.local.localAddress", ip);
    }
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (!options.members().isEmpty()) {
      join.getTcpIpConfig().setEnabled(true).setMembers(options.members());
    } else {
      var k8s = join.getKubernetesConfig().setEnabled(true);
      k8s.setProperty("service-name", options.kubernetesServiceName());
      if (options.kubernetesNamespace() != null) {
        k8s.setProperty("namespace", options.kubernetesNamespace());
      }
    }
    return config;
  }

  /** Hazelcast's interface list takes addresses, not names. */
  private static String ipOf(String host) {
    try {
      return InetAddress.getByName(host).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--cluster-host: \"" + host + "\" (expected: an address of this machine)", e);
    }
  }
}
