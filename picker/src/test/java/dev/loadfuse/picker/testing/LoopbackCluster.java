package dev.loadfuse.picker.testing;

import dev.loadfuse.sidecar.api.cluster.ClusterOptions;
import dev.loadfuse.sidecar.api.cluster.ClusterSecret;
import dev.loadfuse.sidecar.api.cluster.ClusteredVertx;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.io.IOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Hazelcast cluster of members on loopback, each on a free port and all listing each other, for
 * tests of clustered pickers and sidecars: {@link #startMember} starts one member's clustered
 * Vert.x.
 *
 * @param ports each member's Hazelcast port
 * @param name the cluster's name (another test's cluster on this machine has another one)
 * @param secret the cluster secret; null for an insecure cluster
 */
public record LoopbackCluster(List<Integer> ports, String name, ClusterSecret secret) {

  /** {@code size} members on free ports, named {@code namePrefix} and the first port. */
  public static LoopbackCluster of(int size, String namePrefix, ClusterSecret secret) throws IOException {
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        ports.add(s.getLocalPort());
      }
    }
    return new LoopbackCluster(List.copyOf(ports), namePrefix + ports.getFirst(), secret);
  }

  /** Every member's {@code 127.0.0.1:port}. */
  public List<String> members() {
    return ports.stream().map(p -> "127.0.0.1:" + p).toList();
  }

  /** Starts member {@code i}: a clustered Vert.x joined to the others that run (waits up to 60 s). */
  public Vertx startMember(int i) throws java.util.concurrent.TimeoutException {
    ClusterOptions options = new ClusterOptions(members(), "127.0.0.1", ports.get(i), null, null, name, secret,
        secret == null);
    return ClusteredVertx.start(options, new VertxOptions()).await(60, TimeUnit.SECONDS);
  }
}
