package dev.loadfuse.picker.extproc;

import dev.loadfuse.picker.metrics.PickerMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The llm-d router's opt-in ext_proc stream metrics ({@code --enable-grpc-stream-metrics}):
 * {@code llm_d_epp_extproc_streams_inflight}, {@code llm_d_epp_extproc_stream_duration_seconds} (the
 * router's buckets) and {@code llm_d_epp_extproc_streams_total} by gRPC status code (at most the 17
 * codes gRPC has). {@link #NONE} records nothing. Thread-safe.
 */
public final class StreamMetrics {

  /** Off: nothing registered, nothing recorded. */
  public static final StreamMetrics NONE = new StreamMetrics(null);

  /** The router's buckets, in seconds. */
  static final double[] DURATION_BUCKETS = {0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600};

  private final MeterRegistry registry;
  private final AtomicInteger open = new AtomicInteger();
  private final Timer duration;
  private final ConcurrentMap<String, Counter> byCode = new ConcurrentHashMap<>();

  private StreamMetrics(MeterRegistry registry) {
    this.registry = registry;
    if (registry == null) {
      this.duration = null;
      return;
    }
    Gauge.builder("llm_d_epp_extproc_streams_inflight", open, AtomicInteger::get)
        .description("Number of ext_proc gRPC streams currently open.").register(registry);
    this.duration = Timer.builder("llm_d_epp_extproc_stream_duration")
        .description("Duration an ext_proc gRPC stream stays open, in seconds.")
        .serviceLevelObjectives(PickerMetrics.durations(DURATION_BUCKETS)).register(registry);
  }

  /** Registers the metrics in {@code registry}. */
  public static StreamMetrics register(MeterRegistry registry) {
    return new StreamMetrics(registry);
  }

  /** A stream opened; returns its start time for {@link #finished}. */
  long started() {
    if (registry != null) {
      open.incrementAndGet();
    }
    return System.nanoTime();
  }

  /**
   * The stream opened at {@code startNanos} ended with gRPC status {@code code} ({@code OK},
   * {@code Canceled}, {@code ResourceExhausted}, ...: gRPC's names).
   */
  void finished(String code, long startNanos) {
    if (registry == null) {
      return;
    }
    open.decrementAndGet();
    duration.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    byCode.computeIfAbsent(code, c -> Counter.builder("llm_d_epp_extproc_streams")
        .description("Total ext_proc gRPC streams completed, by gRPC status code.").tag("code", c)
        .register(registry)).increment();
  }
}
