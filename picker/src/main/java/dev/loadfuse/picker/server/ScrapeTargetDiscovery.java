package dev.loadfuse.picker.server;

import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.picker.plugins.datalayer.source.MetricsDataSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;

/**
 * A discovery whose endpoints carry the scrape path and port a {@code metrics-data-source} sets
 * (its {@code path} and {@code port} parameters override each endpoint's own), for the in-process
 * sidecar. Everything else is the wrapped discovery's.
 */
final class ScrapeTargetDiscovery implements EndpointDiscovery {

  private final EndpointDiscovery delegate;
  private final MetricsDataSource source;

  private ScrapeTargetDiscovery(EndpointDiscovery delegate, MetricsDataSource source) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.source = Objects.requireNonNull(source, "source");
  }

  /** {@code delegate} itself when {@code source} is null or overrides nothing. */
  static EndpointDiscovery wrap(EndpointDiscovery delegate, MetricsDataSource source) {
    if (source == null || (source.path() == null && source.port() == 0)) {
      return delegate;
    }
    return new ScrapeTargetDiscovery(delegate, source);
  }

  EndpointSet apply(EndpointSet set) {
    return new EndpointSet(set.stream().map(this::apply).toList());
  }

  private Endpoint apply(Endpoint e) {
    Endpoint.Builder b = e.toBuilder();
    if (source.path() != null) {
      b.metricsPath(source.path());
    }
    if (source.port() != 0) {
      b.metricsPort(source.port());
    }
    return b.build();
  }

  @Override
  public CompletableFuture<EndpointSet> start(Listener listener) {
    return delegate.start(new Listener() {
      @Override
      public void onEndpoints(EndpointSet endpoints) {
        listener.onEndpoints(apply(endpoints));
      }

      @Override
      public void onError(DiscoveryException error) {
        listener.onError(error);
      }
    }).thenApply(this::apply);
  }

  @Override
  public EndpointSet current() {
    return apply(delegate.current());
  }

  @Override
  public String describe() {
    return delegate.describe();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
