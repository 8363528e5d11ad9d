package dev.loadfuse.discovery;

import java.util.concurrent.CompletableFuture;

/**
 * A source of the endpoints on this node: a static file ({@code discovery.file}) or the
 * Kubernetes API ({@code discovery.kubernetes}).
 *
 * <p><b>Contract.</b> After {@link #start(Listener)}, the listener receives the full current
 * {@link EndpointSet} first once, then again whenever it changes (a snapshot not equal to the
 * previous one; never deltas). A problem (invalid reload, lost API server, malformed pool) goes
 * to {@link Listener#onError} and never replaces the last good set: the consumer keeps using
 * what it has. {@link #close()} stops everything; no callback starts after it returns.
 *
 * <p><b>Threading.</b> Plain Java, no Vert.x: each implementation owns one thread and calls the
 * listener from it, serially and in order, never concurrently with itself. Callbacks must be
 * quick and must not block; a Vert.x consumer hops onto its context ({@code
 * context.runOnContext(...)}), which is all a Vert.x wrapper would add. Kept free of Vert.x so
 * the sources (fabric8 informers, a file poller) run on their own threads and can be used and
 * tested without an event loop.
 */
public interface EndpointDiscovery extends AutoCloseable {

  /** Receives endpoint sets and errors; called from the discovery's thread, serially. */
  interface Listener {

    /** The full current set; called first once at start, then on every change. */
    void onEndpoints(EndpointSet endpoints);

    /**
     * A problem; the last set passed to {@link #onEndpoints} stays in force. The same problem
     * is reported once, not on every retry or poll.
     */
    void onError(DiscoveryException error);
  }

  /**
   * Starts watching. The returned future completes with the first set, after the listener has
   * received it; it fails with a {@link DiscoveryException} when no first set can be had (file
   * missing or invalid, API server unreachable or forbidden), in which case the discovery is
   * closed and the listener is not called.
   *
   * @throws IllegalStateException when called twice or after {@link #close()}
   */
  CompletableFuture<EndpointSet> start(Listener listener);

  /** The last good set, {@link EndpointSet#EMPTY} before the first one. Any thread. */
  EndpointSet current();

  /** What this discovery watches, for logs: e.g. {@code file /etc/loadfuse/endpoints.yaml}. */
  String describe();

  /** Stops watching and releases threads and watches. Idempotent; any thread. */
  @Override
  void close();
}
