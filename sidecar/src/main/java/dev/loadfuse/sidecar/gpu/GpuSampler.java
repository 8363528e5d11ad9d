package dev.loadfuse.sidecar.gpu;

import dev.loadfuse.nvml.GpuProbe;
import dev.loadfuse.nvml.GpuSnapshot;
import dev.loadfuse.sidecar.tick.Ticker;
import io.vertx.core.Context;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Reads the GPU probe periodically on a worker thread (NVML calls block) and hands each snapshot
 * to the owner's context. Never two samples at once; a failure is reported and sampling goes on.
 *
 * <p>Runs on the sidecar's {@link Ticker} and shares the event loop's wake-ups with the scrapes:
 * a sample may start from one interval after the previous one was meant to, on the first wake-up
 * after that, and at the latest half an interval later (or on the next wake-up when the previous
 * sample took longer than the interval).
 */
public final class GpuSampler implements Ticker.Task {

  private static final Logger LOG = Logger.getLogger(GpuSampler.class.getName());

  /** What a sample produced: a snapshot, or the error text. */
  public interface Listener {
    void onSnapshot(GpuSnapshot snapshot, long sampledAtMillis);

    void onError(String message);
  }

  private final Ticker ticker;
  private final Context context;
  private final GpuProbe probe;
  private final long intervalNanos;
  private final Listener listener;
  private boolean running;
  private boolean inFlight;
  private long dueNanos = Long.MAX_VALUE;
  private String lastLoggedError;

  public GpuSampler(Ticker ticker, Context context, GpuProbe probe, Duration interval, Listener listener) {
    this.ticker = ticker;
    this.context = context;
    this.probe = probe;
    this.intervalNanos = Math.max(1, interval.toMillis()) * 1_000_000;
    this.listener = listener;
  }

  /** Starts sampling at once; call on the owner's context. */
  public void start() {
    if (running) {
      return;
    }
    running = true;
    dueNanos = ticker.gridCeil(ticker.now());
    sample(dueNanos);
    ticker.add(this);
  }

  public void stop() {
    running = false;
    ticker.remove(this);
  }

  @Override
  public long earliest() {
    return running && !inFlight ? dueNanos : Long.MAX_VALUE;
  }

  @Override
  public long due() {
    return running && !inFlight ? dueNanos + intervalNanos / 2 : Long.MAX_VALUE;
  }

  @Override
  public void tick(long now) {
    if (running && !inFlight) {
      sample(dueNanos);
    }
  }

  private void sample(long due) {
    inFlight = true;
    context.<GpuSnapshot>executeBlocking(probe::sample, false).onComplete(ar -> {
      inFlight = false;
      if (!running) {
        return;
      }
      long next = due + intervalNanos;
      long now = ticker.now();
      dueNanos = next - now > 0 ? next : now;
      ticker.wake(due());
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
    });
  }
}
