package dev.loadfuse.picker.testing;

import dev.loadfuse.picker.plugins.InTreePlugins;
import dev.loadfuse.picker.routing.ObjectsFile;
import dev.loadfuse.picker.routing.RoutingObjects;
import dev.loadfuse.picker.scheduling.config.ConfigLoader;
import dev.loadfuse.picker.scheduling.config.PickerConfig;
import dev.loadfuse.picker.server.PickerServer;
import dev.loadfuse.nvml.GpuProbeKind;
import dev.loadfuse.picker.server.PickerOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/** A real picker on ephemeral ports, in local mode, with a plaintext grpc-java channel to it. */
public final class PickerFixture implements AutoCloseable {

  public final Vertx vertx;
  public final PickerServer server;
  public final ManagedChannel channel;

  private PickerFixture(Vertx vertx, PickerServer server) {
    this.vertx = vertx;
    this.server = server;
    this.channel = server.options().isSecureServing() ? null
        : NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
  }

  /**
   * @param dir where to write the endpoints file
   * @param endpointsYaml the {@code endpoints:} entries (YAML list items), or "" for none
   * @param configYaml an EndpointPickerConfig, null for the default
   * @param objectsYaml an objects file, null for none
   * @param tweak changes to the settings
   */
  public static PickerFixture start(Path dir, String endpointsYaml, String configYaml, String objectsYaml,
      UnaryOperator<PickerOptions> tweak) throws Exception {
    Path file = dir.resolve("endpoints.yaml");
    Files.writeString(file, "pool: {name: test-pool}\nendpoints:" + (endpointsYaml.isBlank() ? " []\n" : "\n" + endpointsYaml));
    ConfigLoader loader = new ConfigLoader(InTreePlugins.registry());
    PickerConfig config = configYaml == null ? loader.defaults() : loader.load(configYaml, "test config");
    RoutingObjects routing = objectsYaml == null ? null : ObjectsFile.parse(objectsYaml, "test objects", null);
    // Local mode, TLS off, one ext_proc server, no GPU probe (a machine with GPUs reads the same).
    PickerOptions settings = tweak.apply(new PickerOptions().setEndpointsFile(file.toString()).setConfig(config)
        .setRouting(routing).setSecureServing(false).setExtProcServers(1).setGpuProbe(GpuProbeKind.NONE)
        .setEphemeralPorts());
    Vertx vertx = Vertx.vertx();
    try {
      return new PickerFixture(vertx, PickerServer.start(vertx, settings).await(30, TimeUnit.SECONDS));
    } catch (Exception e) {
      vertx.close();
      throw e;
    }
  }

  public static PickerFixture start(Path dir, String endpointsYaml) throws Exception {
    return start(dir, endpointsYaml, null, null, s -> s);
  }

  /** An endpoints-file entry for an address and port nobody serves metrics on. */
  public static String entry(String name, String address, int port) {
    return "  - {name: " + name + ", address: \"" + address + "\", port: " + port + "}\n";
  }

  public EnvoyStream stream() {
    return new EnvoyStream(channel);
  }

  /** GET on the metrics port. */
  public String get(String path) {
    try {
      HttpResponse<String> r = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.metricsPort() + path)).build(),
          HttpResponse.BodyHandlers.ofString());
      return r.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() throws Exception {
    if (channel != null) {
      channel.shutdownNow().awaitTermination(10, TimeUnit.SECONDS);
    }
    server.close();
    vertx.close().await(20, TimeUnit.SECONDS);
  }
}
