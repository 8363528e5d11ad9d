package dev.loadfuse.picker.health;

import io.vertx.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.util.function.BooleanSupplier;

/**
 * What the gRPC health port answers, as the reference endpoint picker decides it (GIE v1.5, with
 * the llm-d router's drain):
 *
 * <table>
 *   <caption>status by service name</caption>
 *   <tr><th>leader election</th><th>service</th><th>SERVING when</th><th>otherwise</th></tr>
 *   <tr><td>off</td><td>any name</td><td>synced and not draining</td><td>NOT_SERVING</td></tr>
 *   <tr><td>on</td><td>{@value #LIVENESS}</td><td>always</td><td></td></tr>
 *   <tr><td>on</td><td>{@value #READINESS}, {@code ""}, the ext_proc service</td>
 *       <td>synced, leader and not draining</td><td>NOT_SERVING</td></tr>
 *   <tr><td>on</td><td>any other name</td><td></td><td>SERVICE_UNKNOWN</td></tr>
 * </table>
 *
 * <p>"Synced" is the picker's first endpoint set known (the pool's pods listed, even none), or in
 * vectors mode a first load vector. Thread-safe.
 */
public final class HealthState {

  public static final String LIVENESS = "liveness";
  public static final String READINESS = "readiness";

  private final BooleanSupplier synced;
  private final boolean leaderElection;
  private volatile boolean leader;
  private volatile boolean draining;

  /**
   * @param synced whether the endpoints are known
   * @param leaderElection whether replicas elect a leader (then readiness needs leadership)
   */
  public HealthState(BooleanSupplier synced, boolean leaderElection) {
    this.synced = synced;
    this.leaderElection = leaderElection;
  }

  public ServingStatus status(String service) {
    boolean pass = synced.getAsBoolean() && !draining;
    if (!leaderElection) {
      return pass ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
    }
    return switch (service) {
      case LIVENESS -> ServingStatus.SERVING;
      case READINESS, "", HealthService.EXT_PROC -> pass && leader ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
      default -> ServingStatus.SERVICE_UNKNOWN;
    };
  }

  public boolean leaderElection() {
    return leaderElection;
  }

  public boolean isLeader() {
    return leader;
  }

  /** Called by the leader elector as leadership is won and lost. */
  public void setLeader(boolean leader) {
    this.leader = leader;
  }

  public boolean isDraining() {
    return draining;
  }

  /** From SIGTERM on: every check that can fail answers NOT_SERVING, so that traffic moves away. */
  public void startDraining() {
    this.draining = true;
  }
}
