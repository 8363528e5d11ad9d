package dev.loadfuse.sidecar.embedded;

import dev.loadfuse.discovery.DiscoveryException;
import dev.loadfuse.discovery.EndpointDiscovery;
import dev.loadfuse.discovery.EndpointSet;
import dev.loadfuse.sidecar.SidecarOptions;
import dev.loadfuse.sidecar.SidecarVerticle;
import dev.loadfuse.sidecar.api.LoadVector;
import dev.loadfuse.sidecar.metrics.SidecarMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * A sidecar in this process: the seam through which another program (the picker) runs one without
 * knowing its insides. It deploys the {@link SidecarVerticle} on the given Vert.x with no HTTP API
 * of its own; its vectors go out on the local event bus ({@code dev.loadfuse.sidecar.api.LoadBus}).
 *
 * <pre>{@code
 * EmbeddedSidecar sidecar = EmbeddedSidecar.deploy(vertx, new EmbeddedSidecarOptions()
 *     .setDiscovery(new FileEndpointDiscovery(file))
 *     .setMockGpus(Path.of("mock-gpus.yaml"))).await();
 * ...
 * sidecar.close();
 * }</pre>
 */
public final class EmbeddedSidecar {

  private final Vertx vertx;
  private final SidecarVerticle verticle;
  private final String deploymentId;

  private EmbeddedSidecar(Vertx vertx, SidecarVerticle verticle, String deploymentId) {
    this.vertx = vertx;
    this.verticle = verticle;
    this.deploymentId = deploymentId;
  }

  /**
   * Deploys a sidecar. The future fails (with nothing left running) when the GPU probe cannot be
   * opened ({@code NVML unavailable: ...}, an invalid mock file) or no first endpoint set can be
   * had (the discovery's message).
   */
  public static Future<EmbeddedSidecar> deploy(Vertx vertx, EmbeddedSidecarOptions options) {
    Objects.requireNonNull(options.getDiscovery(), "discovery");
    EndpointDiscovery discovery = options.getEndpointListener() == null ? options.getDiscovery()
        : new TeeDiscovery(options.getDiscovery(), options.getEndpointListener());
    SidecarOptions sidecar = new SidecarOptions()
        .setHttp(false)
        .setDiscovery(discovery)
        .setGpuProbe(options.getGpuProbe())
        .setMockGpus(options.getMockGpus() == null ? null : options.getMockGpus().toString())
        .setNvmlLibrary(options.getNvmlLibrary() == null ? null : options.getNvmlLibrary().toString())
        .setCustomGpuProbe(options.getCustomGpuProbe())
        .setEnginesConfig(options.getEngines())
        .setScrapeInterval(options.getScrapeInterval())
        .setMetrics(options.getMetricsRegistry() == null ? null : new SidecarMetrics(options.getMetricsRegistry()));
    SidecarVerticle verticle = new SidecarVerticle(sidecar);
    return vertx.deployVerticle(verticle).map(id -> new EmbeddedSidecar(vertx, verticle, id));
  }

  /** Latest vector of every endpoint. Any thread. */
  public List<LoadVector> vectors() {
    return verticle.vectors();
  }

  /** Whether the first endpoint set is known and the GPU probe has run once. Any thread. */
  public boolean ready() {
    return verticle.ready();
  }

  /** What the sidecar reads the GPUs with, e.g. {@code mock mock-gpus.yaml} or {@code none (...)}. */
  public String gpuProbe() {
    return verticle.gpuProbeDescription();
  }

  /** Undeploys it: scraping stops, the discovery and the GPU probe are closed. */
  public Future<Void> close() {
    return vertx.undeploy(deploymentId);
  }

  /**
   * A discovery that hands every set to a listener before the sidecar (its own listener) sees
   * it. A discovery allows one listener; this shares it.
   */
  private static final class TeeDiscovery implements EndpointDiscovery {

    private final EndpointDiscovery delegate;
    private final Consumer<EndpointSet> first;

    TeeDiscovery(EndpointDiscovery delegate, Consumer<EndpointSet> first) {
      this.delegate = delegate;
      this.first = first;
    }

    @Override
    public CompletableFuture<EndpointSet> start(Listener listener) {
      return delegate.start(new Listener() {
        @Override
        public void onEndpoints(EndpointSet endpoints) {
          first.accept(endpoints);
          listener.onEndpoints(endpoints);
        }

        @Override
        public void onError(DiscoveryException error) {
          listener.onError(error);
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
}
