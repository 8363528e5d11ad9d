package dev.loadfuse.picker.extproc;

import dev.loadfuse.picker.admission.FailOpen;
import dev.loadfuse.picker.admission.SaturationDetector;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.routing.RoutingTable;
import dev.loadfuse.picker.scheduling.Scheduler;
import java.util.Objects;

/**
 * What every ext_proc stream shares. Immutable and thread-safe.
 *
 * @param datastore endpoints and their load
 * @param scheduler the scheduler built from the EndpointPickerConfig
 * @param routing model rewrites and objective priorities in force (replaced on change)
 * @param metrics where requests are counted
 * @param saturation decides when sheddable requests are refused (the config's detector)
 * @param failOpen notices when every endpoint's metrics are stale
 * @param maxBodyBytes request bodies larger than this are refused with 413
 * @param staleAfterMillis engine samples older than this count as absent
 */
public record ExtProcContext(
    Datastore datastore,
    Scheduler scheduler,
    RoutingTable routing,
    PickerMetrics metrics,
    SaturationDetector saturation,
    FailOpen failOpen,
    int maxBodyBytes,
    long staleAfterMillis) {

  public static final int DEFAULT_MAX_BODY_BYTES = 32 * 1024 * 1024;

  public ExtProcContext {
    Objects.requireNonNull(datastore, "datastore");
    Objects.requireNonNull(scheduler, "scheduler");
    routing = routing == null ? new RoutingTable(null) : routing;
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(saturation, "saturation");
    failOpen = failOpen == null ? new FailOpen(null) : failOpen;
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes: " + maxBodyBytes + " (expected: >= 1)");
    }
    if (staleAfterMillis < 1) {
      throw new IllegalArgumentException("staleAfterMillis: " + staleAfterMillis + " (expected: >= 1)");
    }
  }
}
