package dev.loadfuse.discovery;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

/**
 * The complete set of endpoints known at one moment: what an {@link EndpointDiscovery} emits on
 * every change (full snapshots, never deltas).
 *
 * <p>Immutable, ordered by pool then name, and keyed by (pool, name): two endpoints of one pool
 * never share a name. One pod selected by two pools gives one endpoint in each, so the same
 * {@code address:metricsPort} can appear twice; a scraper should deduplicate on {@link
 * Endpoint#metricsUri()}. Equality is by content, so "nothing changed" is {@code equals}.
 *
 * @param endpoints the endpoints, ordered by ({@link Endpoint#pool()}, {@link Endpoint#name()})
 */
public record EndpointSet(List<Endpoint> endpoints) implements Iterable<Endpoint> {

  public static final EndpointSet EMPTY = new EndpointSet(List.of());

  private static final Comparator<Endpoint> ORDER =
      Comparator.comparing(Endpoint::pool).thenComparing(Endpoint::name);

  /**
   * @throws IllegalArgumentException when two endpoints share a pool and a name
   */
  public EndpointSet {
    List<Endpoint> sorted = new ArrayList<>(endpoints);
    sorted.sort(ORDER);
    for (int i = 1; i < sorted.size(); i++) {
      Endpoint prev = sorted.get(i - 1);
      Endpoint cur = sorted.get(i);
      if (prev.pool().equals(cur.pool()) && prev.name().equals(cur.name())) {
        throw new IllegalArgumentException(
            "endpoints: duplicate name " + Checks.quote(cur.name()) + " in pool " + cur.pool());
      }
    }
    endpoints = List.copyOf(sorted);
  }

  public static EndpointSet of(Endpoint... endpoints) {
    return new EndpointSet(List.of(endpoints));
  }

  public int size() {
    return endpoints.size();
  }

  public boolean isEmpty() {
    return endpoints.isEmpty();
  }

  public Stream<Endpoint> stream() {
    return endpoints.stream();
  }

  @Override
  public Iterator<Endpoint> iterator() {
    return endpoints.iterator();
  }

  /** The endpoint of {@code pool} named {@code name}. */
  public Optional<Endpoint> find(PoolRef pool, String name) {
    for (Endpoint e : endpoints) {
      if (e.pool().equals(pool) && e.name().equals(name)) {
        return Optional.of(e);
      }
    }
    return Optional.empty();
  }

  /** The endpoints grouped by pool, each list in name order. */
  public Map<PoolRef, List<Endpoint>> byPool() {
    Map<PoolRef, List<Endpoint>> out = new HashMap<>();
    for (Endpoint e : endpoints) {
      out.computeIfAbsent(e.pool(), p -> new ArrayList<>()).add(e);
    }
    out.replaceAll((p, l) -> List.copyOf(l));
    return Map.copyOf(out);
  }

  /**
   * A set with {@code f} applied to every endpoint; returns {@code this} when {@code f} changed
   * nothing (identity), which keeps "did it change?" checks cheap.
   */
  public EndpointSet map(UnaryOperator<Endpoint> f) {
    List<Endpoint> out = new ArrayList<>(endpoints.size());
    boolean changed = false;
    for (Endpoint e : endpoints) {
      Endpoint m = f.apply(e);
      changed |= m != e;
      out.add(m);
    }
    return changed ? new EndpointSet(out) : this;
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder("EndpointSet[");
    for (int i = 0; i < endpoints.size(); i++) {
      Endpoint e = endpoints.get(i);
      b.append(i == 0 ? "" : ", ").append(e.pool()).append('/').append(e.name()).append('@').append(e.authority());
    }
    return b.append(']').toString();
  }
}
