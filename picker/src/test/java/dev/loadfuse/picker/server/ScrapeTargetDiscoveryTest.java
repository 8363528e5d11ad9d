package dev.loadfuse.picker.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.Endpoint;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.discovery.PoolRef;
import dev.loadfuse.picker.plugins.datalayer.source.MetricsDataSource;
import dev.loadfuse.picker.scheduling.TypedName;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ScrapeTargetDiscoveryTest {

  private static final EndpointSet SET = EndpointSet.of(
      Endpoint.builder("a", "10.0.0.1", 8000, PoolRef.local("p")).metricsPath("/own").metricsPort(8001).build());

  /** Hands out {@link #SET} once started. */
  private static final class Fixed implements EndpointDiscovery {
    @Override
    public CompletableFuture<EndpointSet> start(Listener listener) {
      listener.onEndpoints(SET);
      return CompletableFuture.completedFuture(SET);
    }

    @Override
    public EndpointSet current() {
      return SET;
    }

    @Override
    public String describe() {
      return "fixed";
    }

    @Override
    public void close() {}
  }

  private static MetricsDataSource source(String path, int port) {
    return new MetricsDataSource(new TypedName(MetricsDataSource.TYPE, "m"), path, port);
  }

  @Test
  void theSourcesPathAndPort_replaceTheEndpointsOwn_inEverySetHandedOut() {
    EndpointDiscovery d = ScrapeTargetDiscovery.wrap(new Fixed(), source("/stats", 9090));
    List<EndpointSet> heard = new ArrayList<>();
    EndpointSet first = d.start(new EndpointDiscovery.Listener() {
      @Override
      public void onEndpoints(EndpointSet endpoints) {
        heard.add(endpoints);
      }

      @Override
      public void onError(DiscoveryException error) {}
    }).join();
    for (EndpointSet s : List.of(first, heard.getFirst(), d.current())) {
      Endpoint e = s.endpoints().getFirst();
      assertThat(e.metricsPath()).isEqualTo("/stats");
      assertThat(e.metricsPort()).isEqualTo(9090);
      assertThat(e.port()).isEqualTo(8000);
    }
  }

  @Test
  void aSourceThatOverridesNothing_leavesTheDiscoveryAlone() {
    EndpointDiscovery fixed = new Fixed();
    assertThat(ScrapeTargetDiscovery.wrap(fixed, source(null, 0))).isSameAs(fixed);
    assertThat(ScrapeTargetDiscovery.wrap(fixed, null)).isSameAs(fixed);
    EndpointDiscovery pathOnly = ScrapeTargetDiscovery.wrap(fixed, source("/x", 0));
    assertThat(pathOnly.current().endpoints().getFirst().metricsPort()).isEqualTo(8001);
  }
}
