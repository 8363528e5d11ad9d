package dev.loadfuse.discovery.kubernetes;

import dev.loadfuse.discovery.WorkerThreads;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One daemon thread that recomputes a derived state from informer caches: the lifecycle every
 * informer-based watcher of loadfuse shares ({@link KubernetesEndpointDiscovery}, the picker's
 * routing-objects watcher). Informer callbacks only {@link #schedule()}: a burst of events gives one
 * recompute, and because every recompute reads the whole caches, nothing derived can go stale.
 * Recomputes run only once {@link #arm() armed} (after the first listings), and never after
 * {@link #close()}.
 */
public final class SerialWorker implements Executor, AutoCloseable {

  private final ExecutorService executor;
  private final Runnable recompute;
  private final AtomicBoolean pending = new AtomicBoolean();
  private volatile Thread thread;
  private volatile boolean armed;
  private volatile boolean closed;

  /**
   * @param threadName the worker thread's name, e.g. {@code loadfuse-k8s-endpoints}
   * @param recompute runs on the worker thread, never concurrently with itself
   */
  public SerialWorker(String threadName, Runnable recompute) {
    this.recompute = recompute;
    this.executor = Executors.newSingleThreadExecutor(r -> {
      Thread t = Thread.ofPlatform().daemon().name(threadName).unstarted(r);
      thread = t;
      return t;
    });
  }

  /** Lets {@link #schedule()} run the recompute; before, events only fill the caches. */
  public void arm() {
    armed = true;
  }

  /** Runs the recompute soon on the worker thread, once for any number of calls before it runs. */
  public void schedule() {
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

  /** Runs {@code task} on the worker thread; dropped once closed. */
  @Override
  public void execute(Runnable task) {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  public boolean closed() {
    return closed;
  }

  /** Stops the thread; waits for a running task unless called from it. Idempotent. */
  @Override
  public void close() {
    closed = true;
    WorkerThreads.stop(executor, thread);
  }
}
