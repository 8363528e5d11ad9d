package dev.loadfuse.discovery;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Delivers snapshots to a {@link EndpointDiscovery.Listener} the way the contract says: the first
 * set always, later sets only when they differ from the last one delivered. A listener that
 * throws is logged and does not stop the discovery.
 *
 * <p>For implementations of {@link EndpointDiscovery}. Call {@link #publish} and {@link #error}
 * from the discovery's single thread; {@link #current()} may be read from any thread.
 */
public final class SnapshotPublisher {

  private static final System.Logger LOG = System.getLogger(SnapshotPublisher.class.getName());

  private final EndpointDiscovery.Listener listener;
  private volatile EndpointSet current = EndpointSet.EMPTY;
  private boolean published;
  private Set<String> reportedProblems = Set.of();

  public SnapshotPublisher(EndpointDiscovery.Listener listener) {
    this.listener = Objects.requireNonNull(listener, "listener");
  }

  /** What {@code publisher} last delivered; {@link EndpointSet#EMPTY} while there is none yet (null: not started). */
  public static EndpointSet currentOf(SnapshotPublisher publisher) {
    return publisher == null ? EndpointSet.EMPTY : publisher.current();
  }

  /** Delivers {@code set} unless it equals the last one delivered; returns whether it did. */
  public boolean publish(EndpointSet set) {
    Objects.requireNonNull(set, "set");
    if (published && set.equals(current)) {
      return false;
    }
    current = set;
    published = true;
    try {
      listener.onEndpoints(set);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "endpoint listener threw; discovery goes on", e);
    }
    return true;
  }

  /** Delivers an error; the current set is untouched. */
  public void error(DiscoveryException error) {
    try {
      listener.onError(error);
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "endpoint listener threw on an error; discovery goes on", e);
    }
  }

  /**
   * Reports the problems found while computing a set, each once while it lasts: a problem also in
   * the previous call's list is not reported again; one that went away and comes back is.
   */
  public void problems(List<String> problems) {
    Set<String> now = new LinkedHashSet<>(problems);
    for (String p : now) {
      if (!reportedProblems.contains(p)) {
        error(new DiscoveryException(p));
      }
    }
    reportedProblems = now;
  }

  /** The last set delivered, {@link EndpointSet#EMPTY} before the first. */
  public EndpointSet current() {
    return current;
  }
}
