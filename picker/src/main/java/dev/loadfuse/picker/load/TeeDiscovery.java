package dev.loadfuse.picker.load;

import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * An endpoint discovery that also hands every set to the picker's datastore, before the in-process
 * sidecar (its listener) sees it, so a vector never arrives for an endpoint the datastore has not
 * been told about. A discovery allows one listener; this shares it.
 */
public final class TeeDiscovery implements EndpointDiscovery {

  private final EndpointDiscovery delegate;
  private final Consumer<EndpointSet> first;

  public TeeDiscovery(EndpointDiscovery delegate, Consumer<EndpointSet> first) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
    this.first = Objects.requireNonNull(first, "first");
  }

  @Override
  public CompletableFuture<EndpointSet> start(Listener listener) {
    return delegate.start(new Listener() {
      @Override
      public void onEndpoints(EndpointSet endpoints) {
        first.accept(endpoints);
        if (listener != null) {
          listener.onEndpoints(endpoints);
        }
      }

      @Override
      public void onError(dev.loadfuse.discovery.DiscoveryException error) {
        if (listener != null) {
          listener.onError(error);
        }
      }
    });
  }

  @Override
  public EndpointSet current() {
    return delegate.current();
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
