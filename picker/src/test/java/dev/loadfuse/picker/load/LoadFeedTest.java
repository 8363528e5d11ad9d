package dev.loadfuse.picker.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.datastore.EndpointState;
import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.FakeEngineServer;
import dev.loadfuse.picker.testing.FakeEngineServer.Format;
import dev.loadfuse.discovery.file.FileEndpointDiscovery;
import dev.loadfuse.sidecar.embedded.EmbeddedSidecar;
import dev.loadfuse.sidecar.embedded.EmbeddedSidecarOptions;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The in-process sidecar scrapes three real HTTP engines; the feed brings their vectors to the datastore. */
class LoadFeedTest {

  private final Vertx vertx = Vertx.vertx();

  @AfterEach
  void close() throws Exception {
    vertx.close().await(20, TimeUnit.SECONDS);
  }

  @Test
  void inProcessSidecar_vectorsOfThreeEngineFormats_reachTheDatastore(@TempDir Path dir) throws Exception {
    FakeEngineServer vllm = FakeEngineServer.start(vertx, Format.VLLM).load(5, 2, 0.5);
    FakeEngineServer sglang = FakeEngineServer.start(vertx, Format.SGLANG).load(1, 3, 0.25);
    FakeEngineServer triton = FakeEngineServer.start(vertx, Format.TRITON).load(9, 4, 0.75);
    Path file = dir.resolve("endpoints.yaml");
    Files.writeString(file, "pool: {name: local}\nendpoints:\n"
        + vllm.endpointEntry("vllm-0") + sglang.endpointEntry("sglang-0") + triton.endpointEntry("triton-0"));

    Datastore ds = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000);
    vertx.deployVerticle(new LoadFeed(ds, 1_000)).await(10, TimeUnit.SECONDS);
    EmbeddedSidecar.deploy(vertx, new EmbeddedSidecarOptions().setDiscovery(new FileEndpointDiscovery(file))
        .setEndpointListener(ds::setEndpoints).setGpuProbe(GpuProbeKind.NONE).setScrapeInterval(Duration.ofMillis(20)))
        .await(20, TimeUnit.SECONDS);

    assertThat(ds.ready()).isTrue();
    EndpointState v = ds.get("127.0.0.1:" + vllm.port());
    EndpointState s = ds.get("127.0.0.1:" + sglang.port());
    EndpointState t = ds.get("127.0.0.1:" + triton.port());
    Await.until("three vectors with engine samples", () ->
        v.vector() != null && v.vector().hasWaitingRequests()
            && s.vector() != null && s.vector().hasWaitingRequests()
            && t.vector() != null && t.vector().hasWaitingRequests());
    assertThat(v.vector().engine()).isEqualTo("vllm");
    assertThat(v.vector().waitingRequests()).isEqualTo(5);
    assertThat(s.vector().kvCacheUsage()).isEqualTo(0.25);
    assertThat(t.vector().waitingRequests()).isEqualTo(9);
    assertThat(t.vector().runningRequests()).isEqualTo(4);

    // Load changes reach the datastore.
    sglang.load(6, 0, 0.1);
    Await.until("the new sglang load", () -> s.vector().waitingRequests() == 6);
  }
}
