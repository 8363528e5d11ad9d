package dev.loadfuse.sidecar.api.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;

/** Builds a clustered {@link Vertx} over Hazelcast from {@link ClusterOptions}. */
public final class ClusteredVertx {

  private ClusteredVertx() {}

  public static Future<Vertx> start(ClusterOptions options, VertxOptions vertxOptions) {
    Config config = hazelcastConfig(options);
    EventBusOptions eb = vertxOptions.getEventBusOptions();
    if (options.host() != null) {
      eb.setHost(options.host());
    }
    return Vertx.builder()
        .with(vertxOptions)
        .withClusterManager(new HazelcastClusterManager(config))
        .buildClustered();
  }

  static Config hazelcastConfig(ClusterOptions options) {
    // Start from Vert.x's own file: it holds the subscription and node-info maps Vert.x needs.
    Config config = ConfigUtil.loadConfig();
    config.setClusterName(options.clusterName());
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
      network.setPublicAddress(options.host());
      network.getInterfaces().setEnabled(true).addInterface(options.host());
      config.setProperty("hazelcast.local.localAddress", options.host());
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
}
