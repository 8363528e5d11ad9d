package dev.loadfuse.discovery.kubernetes;

import static dev.loadfuse.discovery.kubernetes.KubernetesErrors.isNotFound;
import static dev.loadfuse.discovery.kubernetes.KubernetesErrors.message;

import dev.loadfuse.common.errors.Problems;
import dev.loadfuse.discovery.DiscoveryException;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Starting fabric8 informers the way every watcher of loadfuse needs, and naming their failures. */
public final class Informers {

  private Informers() {}

  /**
   * Wires {@code informer} to {@code worker} and starts it. The future completes once the first
   * listing is in the cache, or, when {@code notServedIsOk}, once the API server answered 404 (CRD
   * not installed: retried with back-off, objects appear once it is). It fails with a {@link
   * DiscoveryException} naming {@code what} and the server when the first listing fails otherwise
   * (unreachable, RBAC). After the start, a lost or failing watch is reported once through {@code
   * problems} (from an informer thread) and retried by fabric8 (re-list and re-watch), so the
   * cache never stays stale; any event ends the run of a problem.
   *
   * @param what for messages, e.g. {@code pods in namespace llm}
   * @param server the API server, for messages
   */
  public static <T> CompletableFuture<Void> start(SharedIndexInformer<T> informer, String what, String server,
      boolean notServedIsOk, SerialWorker worker, Consumer<String> problems) {
    WatchErrors errors = new WatchErrors(what, problems);
    CompletableFuture<Void> notServed = new CompletableFuture<>();
    informer.addEventHandler(new ResourceEventHandler<>() {
      @Override
      public void onAdd(T obj) {
        changed();
      }

      @Override
      public void onUpdate(T oldObj, T newObj) {
        changed();
      }

      @Override
      public void onDelete(T obj, boolean deletedFinalStateUnknown) {
        changed();
      }

      @Override
      public void onList(String resourceVersion, boolean remainedEmpty) {
        changed();
      }

      private void changed() {
        errors.recovered();
        worker.schedule();
      }
    });
    informer.exceptionHandler((isStarted, t) -> {
      if (!isStarted && notServedIsOk && isNotFound(t)) {
        errors.report(t);
        notServed.complete(null);
        return true;
      }
      if (!isStarted) {
        return false; // fail the start: unreachable or forbidden at boot
      }
      errors.report(t);
      return true; // keep retrying: a stopped informer would leave a stale cache
    });
    CompletableFuture<Void> synced = informer.start().toCompletableFuture().thenApply(v -> null);
    return CompletableFuture.anyOf(synced, notServed).<Void>thenApply(v -> null)
        .exceptionallyCompose(t -> CompletableFuture.failedFuture(new DiscoveryException(
            "kubernetes: cannot list " + what + " from " + server + ": " + message(t), Problems.unwrap(t))));
  }

  /** Reports one informer's failures once per run of identical ones; any event ends the run. */
  private static final class WatchErrors {
    private final String what;
    private final Consumer<String> problems;
    private String last;

    WatchErrors(String what, Consumer<String> problems) {
      this.what = what;
      this.problems = problems;
    }

    synchronized void report(Throwable t) {
      String msg = "kubernetes: watching " + what + " failed, retrying: " + message(t)
          + (isNotFound(t) ? " (is the CRD installed?)" : "");
      if (!msg.equals(last)) {
        last = msg;
        problems.accept(msg);
      }
    }

    synchronized void recovered() {
      last = null;
    }
  }
}
