package dev.loadfuse.picker.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.testing.Await;
import dev.loadfuse.picker.testing.EnvoyStream;
import dev.loadfuse.picker.testing.PickerFixture;
import dev.loadfuse.picker.tls.CertificateFiles;
import dev.loadfuse.picker.tls.SelfSignedCertificate;
import io.envoyproxy.envoy.service.ext_proc.v3.ProcessingResponse;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthAndTlsTest {

  private static ServingStatus check(int port, String service) throws Exception {
    ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      return HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .check(HealthCheckRequest.newBuilder().setService(service).build()).getStatus();
    } finally {
      ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  @Test
  void health_anyServiceName_servesOnceTheEndpointSourceHasSpoken_asTheReference(@TempDir Path dir) throws Exception {
    try (PickerFixture p = PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 1))) {
      for (String service : new String[] {"", "envoy.service.ext_proc.v3.ExternalProcessor", "inference-extension",
          "liveness", "readiness", "nope"}) {
        assertThat(check(p.server.grpcHealthPort(), service)).as(service).isEqualTo(ServingStatus.SERVING);
      }
      assertThat(p.get("/readyz")).isEqualTo("ready\n");
    }
    // An empty pool is synced too (the reference: the pool is known, pods or not): a liveness probe
    // must not restart a picker whose model servers are still starting.
    Path empty = Files.createDirectories(dir.resolve("empty"));
    try (PickerFixture p = PickerFixture.start(empty, "")) {
      assertThat(check(p.server.grpcHealthPort(), "inference-extension")).isEqualTo(ServingStatus.SERVING);
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", p.server.grpcHealthPort()).usePlaintext().build();
      try {
        var watch = HealthGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
            .watch(HealthCheckRequest.newBuilder().setService("").build());
        assertThat(watch.next().getStatus()).isEqualTo(ServingStatus.SERVING);
        p.server.health().startDraining();
        assertThat(watch.next().getStatus()).as("draining").isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(check(p.server.grpcHealthPort(), "inference-extension")).isEqualTo(ServingStatus.NOT_SERVING);
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void secureServing_selfSignedCertificate_servesExtProcOverTls(@TempDir Path dir) throws Exception {
    try (PickerFixture p = PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 1), null, null,
        s -> s.setSecureServing(true))) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("localhost", p.server.grpcPort())
          .sslContext(GrpcSslContexts.forClient().trustManager(InsecureTrustManagerFactory.INSTANCE).build()).build();
      try (EnvoyStream s = new EnvoyStream(ch)) {
        s.send(EnvoyStream.requestHeaders(true, ":path", "/v1/models"));
        ProcessingResponse r = s.next();
        assertThat(EnvoyStream.setHeader(r.getRequestHeaders().getResponse().getHeaderMutation(),
            "x-gateway-destination-endpoint")).isEqualTo("127.0.0.1:1");
      } finally {
        ch.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
      assertThat(presentedCertificate(p.server.grpcPort()).getSubjectX500Principal().getName())
          .isEqualTo("CN=loadfuse-picker");
    }
  }

  @Test
  void certPath_isServed_andReloadedWhenItChanges(@TempDir Path dir) throws Exception {
    Path certs = Files.createDirectories(dir.resolve("certs"));
    SelfSignedCertificate first = SelfSignedCertificate.generate();
    write(certs, first);
    try (PickerFixture p = PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 1), null, null,
        s -> s.setSecureServing(true).setCertPath(certs.toString()).setEnableCertReload(true).setCertReloadInterval(Duration.ofMillis(50)))) {
      int port = p.server.grpcPort();
      assertThat(presentedCertificate(port)).isEqualTo(parse(first));
      SelfSignedCertificate second = SelfSignedCertificate.generate();
      write(certs, second);
      X509Certificate expected = parse(second);
      Await.until("the new certificate is served", () -> expected.equals(presentedCertificateQuietly(port)));
    }
  }

  private static void write(Path dir, SelfSignedCertificate c) throws Exception {
    // key first: a reader that sees the new certificate also sees its key
    Files.writeString(dir.resolve(CertificateFiles.KEY_FILE + ".tmp"), c.privateKeyPem());
    Files.writeString(dir.resolve(CertificateFiles.CERT_FILE + ".tmp"), c.certificatePem());
    Files.move(dir.resolve(CertificateFiles.KEY_FILE + ".tmp"), dir.resolve(CertificateFiles.KEY_FILE),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    Files.move(dir.resolve(CertificateFiles.CERT_FILE + ".tmp"), dir.resolve(CertificateFiles.CERT_FILE),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static X509Certificate parse(SelfSignedCertificate c) throws Exception {
    return (X509Certificate) CertificateFactory.getInstance("X.509")
        .generateCertificate(new ByteArrayInputStream(c.certificatePem().getBytes(StandardCharsets.US_ASCII)));
  }

  private static X509Certificate presentedCertificateQuietly(int port) {
    try {
      return presentedCertificate(port);
    } catch (Exception e) {
      return null;
    }
  }

  /** The certificate the server presents in a TLS handshake (trusting anything). */
  private static X509Certificate presentedCertificate(int port) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, InsecureTrustManagerFactory.INSTANCE.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return (X509Certificate) socket.getSession().getPeerCertificates()[0];
    }
  }
}
