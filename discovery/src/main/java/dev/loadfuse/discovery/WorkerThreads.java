package dev.loadfuse.discovery;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/** How a discovery stops the one thread it runs on (the file poller, the informer worker). */
public final class WorkerThreads {

  private WorkerThreads() {}

  /**
   * Stops {@code executor}, and waits up to 10 s for a running task to end unless called from
   * {@code worker}, the executor's own thread (a task that closes its discovery).
   */
  public static void stop(ExecutorService executor, Thread worker) {
    executor.shutdownNow();
    if (Thread.currentThread() != worker) {
      try {
        executor.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
