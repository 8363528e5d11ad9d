package dev.loadfuse.picker.metrics;

import dev.loadfuse.picker.candidate.StalenessPolicy;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.sidecar.api.LoadVector;

/**
 * The pool gauges' statistics over the routable endpoints whose engine metrics are fresh, as the
 * reference computes them: how many there are, and the mean and population standard deviation of
 * KV usage, waiting and running requests (0 when none is fresh). Computed once per scrape ({@link
 * #refresh()}) and read by every pool gauge; a gauge read outside a scrape computes it itself.
 * Thread-safe (a snapshot is replaced whole).
 */
final class PoolStats {

  static final int KV = 0;
  static final int QUEUE = 1;
  static final int RUNNING = 2;

  private record Snapshot(int fresh, double[] mean, double[] stdDev) {}

  private final Datastore datastore;
  private final StalenessPolicy policy;
  private volatile Snapshot snapshot;

  PoolStats(Datastore datastore, StalenessPolicy policy) {
    this.datastore = datastore;
    this.policy = policy;
  }

  void refresh() {
    long now = System.currentTimeMillis();
    double[] sum = new double[3];
    double[] sumSq = new double[3];
    int[] n = new int[3];
    int fresh = 0;
    for (EndpointState e : datastore.routable()) {
      LoadVector v = e.vector();
      if (!policy.engineFresh(v, now)) {
        continue;
      }
      fresh++;
      double[] values = {v.kvCacheUsage(), v.waitingRequests(), v.runningRequests()};
      for (int i = 0; i < 3; i++) {
        if (!Double.isNaN(values[i])) {
          sum[i] += values[i];
          sumSq[i] += values[i] * values[i];
          n[i]++;
        }
      }
    }
    double[] mean = new double[3];
    double[] sd = new double[3];
    for (int i = 0; i < 3; i++) {
      if (n[i] > 0) {
        mean[i] = sum[i] / n[i];
        sd[i] = Math.sqrt(Math.max(0, sumSq[i] / n[i] - mean[i] * mean[i]));
      }
    }
    snapshot = new Snapshot(fresh, mean, sd);
  }

  private Snapshot current() {
    Snapshot s = snapshot;
    if (s == null) {
      refresh();
      s = snapshot;
    }
    return s;
  }

  int fresh() {
    return current().fresh();
  }

  double mean(int which) {
    return current().mean()[which];
  }

  double stdDev(int which) {
    return current().stdDev()[which];
  }
}
