package dev.loadfuse.sidecar.gpu;

import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuSnapshot;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads the GPU probe periodically on a worker thread (NVML calls block) and hands each snapshot
 * to the owner's context. Never two samples at once; a failure is reported and sampling goes on.
 */
public final class GpuSampler {

  private static final Logger LOG = Logger.getLogger(GpuSampler.class.getName());

  /** What a sample produced: a snapshot, or the error text. */
  public interface Listener {
    void onSnapshot(GpuSnapshot snapshot, long sampledAtMillis);

    void onError(String message);
  }

  private final Vertx vertx;
  private final Context context;
  private final GpuProbe probe;
  private final long intervalMs;
  private final Listener listener;
  private boolean running;
  private long timerId = -1;
  private String lastLoggedError;

  public GpuSampler(Vertx vertx, Context context, GpuProbe probe, Duration interval, Listener listener) {
    this.vertx = vertx;
    this.context = context;
    this.probe = probe;
    this.intervalMs = Math.max(1, interval.toMillis());
    this.listener = listener;
  }

  /** Starts sampling at once; call on the owner's context. */
  public void start() {
    running = true;
    sampleNow();
  }

  public void stop() {
    running = false;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  private void sampleNow() {
    if (!running) {
      return;
    }
    long started = System.nanoTime();
    context.<GpuSnapshot>executeBlocking(probe::sample, false).onComplete(ar -> {
      if (!running) {
        return;
      }
      if (ar.succeeded()) {
        lastLoggedError = null;
        listener.onSnapshot(ar.result(), System.currentTimeMillis());
      } else {
        String message = "GPU probe " + probe.description() + " failed: " + ar.cause().getMessage();
        if (!message.equals(lastLoggedError)) {
          LOG.log(Level.WARNING, message);
          lastLoggedError = message;
        }
        listener.onError(message);
      }
      long elapsedMs = (System.nanoTime() - started) / 1_000_000;
      timerId = vertx.setTimer(Math.max(1, intervalMs - elapsedMs), id -> sampleNow());
    });
  }
}
