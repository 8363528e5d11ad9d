package dev.loadfuse.picker.kubernetes;

import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One daemon thread that recomputes a derived state from informer caches. Informer callbacks only
 * {@link #schedule()}: a burst of events gives one recompute, and because every recompute reads
 * the whole caches, nothing derived can go stale.
 */
final class SerialWorker implements Executor, AutoCloseable {

  private final ExecutorService executor;
  private final Runnable recompute;
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile Thread thread;
  private volatile boolean armed;
  private volatile boolean closed;

  SerialWorker(String threadName, Runnable recompute) {
    this.recompute = recompute;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = Thread.ofPlatform().daemon().name(threadName).unstarted(r);
      thread = t;
      return t;
    });
  }

  /** Lets {@link #schedule()} run the recompute; before, events only fill the caches. */
  void arm() {
    armed = true;
  }

  /** Runs the recompute soon on the worker thread, once for any number of calls before it runs. */
  void schedule() {
    if (closed || !pending.compareAndSet(false, true)) {
      return;
    }
    execute(() -> {
      pending.set(false);
      if (armed && !closed) {
        recompute.run();
      }
    });
  }

  @Override
  public void execute(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  boolean closed() {
    return closed;
  }

  @Override
  public void close() {
    closed = true;
    executor.shutdownNow();
    if (Thread.currentThread() != thread) {
      try {
        executor.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
