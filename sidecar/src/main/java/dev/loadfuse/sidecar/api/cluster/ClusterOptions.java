package dev.loadfuse.sidecar.api.cluster;

import java.util.ArrayList;
import java.util.List;

/**
 * How a sidecar or picker joins the clustered event bus (Hazelcast).
 *
 * <p>Member discovery: an explicit TCP member list ({@code --cluster-members host:port,...}) for
 * local runs; otherwise, inside Kubernetes, the Hazelcast Kubernetes discovery of the pods behind
 * {@link #kubernetesServiceName()} (needs RBAC to read endpoints); otherwise multicast is never
 * used (it is blocked on most clusters and would silently split the cluster).
 *
 * <p>Security: with a {@link ClusterSecret}, the Hazelcast cluster name carries a suffix derived
 * from it (members without it are refused at the join) and every message is sealed (see {@code
 * BusSeal}). Without one, {@code insecure} must say so: anyone who reaches a member can then join
 * and publish load vectors.
 *
 * @param members {@code host:port} Hazelcast members to join; empty in Kubernetes mode
 * @param host address this member binds (Hazelcast and the event bus, that interface only) and
 *     advertises; null for auto-detection and every interface
 * @param port Hazelcast member port (0 = pick a free one)
 * @param kubernetesServiceName headless Service whose endpoints are the cluster members
 * @param kubernetesNamespace namespace of that Service, null for the pod's own
 * @param clusterName Hazelcast cluster name (before the secret's suffix); members with other
 *     names never join
 * @param secret the cluster secret; null only when {@code insecure}
 * @param insecure run without a secret: unauthenticated and unencrypted (a loud warning at start)
 */
public record ClusterOptions(
    List<String> members,
    String host,
    int port,
    String kubernetesServiceName,
    String kubernetesNamespace,
    String clusterName,
    ClusterSecret secret,
    boolean insecure) {

  public static final int DEFAULT_PORT = 5701;
  /** The event bus's port by default: any free one (the manifests fix it, for NetworkPolicies). */
  public static final int DEFAULT_BUS_PORT = 0;
  public static final String DEFAULT_CLUSTER_NAME = "loadfuse";
  /** What to do when neither a secret nor the explicit insecure mode is given. */
  public static final String NO_SECRET = "cluster: no secret: give --cluster-secret-file FILE (env"
      + " LOADFUSE_CLUSTER_SECRET_FILE; a Kubernetes Secret mounted as a file, e.g. from: openssl rand -base64 32),"
      + " or --cluster-insecure to run an unauthenticated, unencrypted cluster";

  public ClusterOptions {
    members = List.copyOf(members == null ? List.of() : members);
    for (int i = 0; i < members.size(); i++) {
      parseMember(members.get(i), "members[" + i + "]");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port: " + port + " (expected: [0, 65535])");
    }
    if (members.isEmpty() && (kubernetesServiceName == null || kubernetesServiceName.isBlank())) {
      throw new IllegalArgumentException(
          "cluster: no members to join (give --cluster-members host:port,... or a Kubernetes service name)");
    }
    if (clusterName == null || clusterName.isBlank()) {
      clusterName = DEFAULT_CLUSTER_NAME;
    }
    if (secret == null && !insecure) {
      throw new IllegalArgumentException(NO_SECRET);
    }
    if (secret != null && insecure) {
      throw new IllegalArgumentException("cluster: a secret and --cluster-insecure: give one");
    }
  }

  /** Parses {@code host:port,host:port} (blanks are ignored), for a cluster with {@code secret} (null: insecure). */
  public static ClusterOptions ofMembers(String commaSeparated, String host, int port, ClusterSecret secret) {
    List<String> list = new ArrayList<>();
    for (String s : commaSeparated.split(",")) {
      if (!s.isBlank()) {
        list.add(s.trim());
      }
    }
    return new ClusterOptions(list, host, port, null, null, DEFAULT_CLUSTER_NAME, secret, secret == null);
  }

  /** The name Hazelcast compares at the join: {@link #clusterName()}, and the secret's suffix when there is one. */
  public String effectiveClusterName() {
    return secret == null ? clusterName : clusterName + "-" + secret.clusterNameSuffix();
  }

  /** A copy with another cluster name (tests keep their clusters apart with it). */
  public ClusterOptions withClusterName(String name) {
    return new ClusterOptions(members, host, port, kubernetesServiceName, kubernetesNamespace, name, secret, insecure);
  }

  static HostPort parseMember(String member, String path) {
    int colon = member.lastIndexOf(':');
    if (colon <= 0 || colon == member.length() - 1) {
      throw new IllegalArgumentException(path + ": \"" + member + "\" (expected: host:port)");
    }
    String host = member.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(member.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(path + ": \"" + member + "\" (expected: host:port)");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(path + ": \"" + member + "\" (port expected in [1, 65535])");
    }
    return new HostPort(host, port);
  }

  record HostPort(String host, int port) {}
}
