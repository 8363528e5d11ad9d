package dev.loadfuse.picker.kubernetes;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElector;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import java.time.Duration;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code --ha-enable-leader-election}: replicas of the picker elect a leader through a Kubernetes
 * Lease (coordination.k8s.io/v1), with fabric8's leader elector and the reference's Lease name and
 * timings. Every replica keeps watching the pool and routing (as the llm-d router's followers do);
 * leadership only decides gRPC health {@code readiness}. A replica that loses the Lease runs for it
 * again (the reference exits instead and is restarted). {@link #close} releases the Lease, so a
 * follower takes over within the retry period.
 */
public final class LeaderElection implements AutoCloseable {

  private static final Logger LOG = Logger.getLogger(LeaderElection.class.getName());
  /** The suffix of GIE v1.5's Lease name: {@code epp-<namespace>-<pool>.<suffix>}. */
  public static final String LEASE_SUFFIX = "gateway-api-inference-extension.sigs.k8s.io";
  /** A Deployment's pod name: {@code <deployment>-<replicaset hash>-<pod suffix>}. */
  private static final Pattern DEPLOYMENT_POD = Pattern.compile("^(.+)-[a-z0-9]+-[a-z0-9]+$");

  private final LeaderElector elector;
  private final ExecutorService executor;
  private final String leaseName;
  private final String identity;
  private volatile CompletableFuture<?> running;
  private volatile boolean closed;

  /**
   * @param namespace the Lease's namespace (the pool's)
   * @param leaseName see {@link #leaseName}
   * @param identity this replica's holder identity
   * @param onLeader told true when this replica becomes leader, false when it stops being one
   */
  public LeaderElection(KubernetesClient client, String namespace, String leaseName, String identity,
      Duration leaseDuration, Duration renewDeadline, Duration retryPeriod, Consumer<Boolean> onLeader) {
    this.leaseName = leaseName;
    this.identity = identity;
    this.executor = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("loadfuse-leader-election").factory());
    this.elector = new LeaderElector(client, new LeaderElectionConfigBuilder()
        .withName(leaseName)
        .withLock(new LeaseLock(namespace, leaseName, identity))
        .withLeaseDuration(leaseDuration)
        .withRenewDeadline(renewDeadline)
        .withRetryPeriod(retryPeriod)
        .withReleaseOnCancel(true)
        .withLeaderCallbacks(new LeaderCallbacks(
            () -> {
              LOG.info("leader election: " + identity + " leads (Lease " + namespace + "/" + leaseName + ")");
              onLeader.accept(true);
            },
            () -> {
              LOG.info("leader election: " + identity + " no longer leads");
              onLeader.accept(false);
            },
            leader -> LOG.fine(() -> "leader election: the leader is " + leader)))
        .build(), executor);
  }

  /**
   * The reference's Lease name for a pool: {@code epp-<namespace>-<pool>.gateway-api-inference-extension.sigs.k8s.io};
   * in selector mode the pool is the Deployment's name, derived from {@code podName} when it has a
   * Deployment's form, else {@code poolName}.
   */
  public static String leaseName(String namespace, String poolName, String podName, boolean selectorMode) {
    String pool = poolName;
    if (selectorMode && podName != null) {
      Matcher m = DEPLOYMENT_POD.matcher(podName);
      if (m.matches()) {
        pool = m.group(1);
      }
    }
    return "epp-" + namespace + "-" + pool + "." + LEASE_SUFFIX;
  }

  /** A holder identity as controller-runtime makes one: the pod (or host) name and a random id. */
  public static String identity(String podName) {
    String host = podName;
    if (host == null || host.isBlank()) {
      try {
        host = java.net.InetAddress.getLocalHost().getHostName();
      } catch (java.io.IOException e) {
        host = "picker";
      }
    }
    return host + "_" + UUID.randomUUID();
  }

  /** Runs for the Lease in the background until {@link #close}. */
  public void start() {
    run();
  }

  private void run() {
    if (closed) {
      return;
    }
    CompletableFuture<?> f = elector.start();
    running = f;
    f.whenComplete((v, e) -> {
      if (e != null && !(e instanceof java.util.concurrent.CancellationException) && !closed) {
        LOG.log(Level.WARNING, "leader election for Lease " + leaseName + " failed; running again", e);
      }
      if (!closed) {
        run(); // lost the Lease: run for it again
      }
    });
  }

  public String leaseName() {
    return leaseName;
  }

  public String identity() {
    return identity;
  }

  /** Stops running for the Lease and releases it if held. */
  @Override
  public void close() {
    closed = true;
    CompletableFuture<?> f = running;
    if (f != null) {
      f.cancel(true); // releaseOnCancel: the Lease is given up for a follower to take
    }
    try {
      elector.release();
    } catch (RuntimeException e) {
      LOG.log(Level.FINE, "releasing Lease " + leaseName, e);
    }
    executor.shutdown();
  }

  @Override
  public String toString() {
    return "LeaderElection[" + Objects.requireNonNull(leaseName) + ", " + identity + "]";
  }
}
