package dev.loadfuse.picker.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.loadfuse.picker.datastore.Datastore;
import dev.loadfuse.picker.metrics.PickerMetrics;
import dev.loadfuse.picker.testing.MockApiServer;
import dev.loadfuse.picker.testing.PickerFixture;
import dev.loadfuse.picker.tls.CertificateFiles;
import dev.loadfuse.picker.tls.SelfSignedCertificate;
import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The metrics port as the reference guards it: bearer tokens checked with a TokenReview and a
 * SubjectAccessReview against fabric8's mock API server (expectations), and TLS with client
 * certificates.
 */
class MetricsPortSecurityTest {

  private static final String READER = "system:serviceaccount:monitoring:prometheus";

  private MockApiServer api;
  private Vertx vertx;
  private HttpServer server;
  private final AtomicInteger tokenReviews = new AtomicInteger();
  private final List<SubjectAccessReview> accessReviews = new CopyOnWriteArrayList<>();

  @BeforeEach
  @SuppressWarnings("deprecation") // Serialization.unmarshal: what fabric8's own mock uses
  void start() throws Exception {
    api = new MockApiServer();
    api.server.expect().post().withPath("/apis/authentication.k8s.io/v1/tokenreviews").andReply(200, req -> {
      tokenReviews.incrementAndGet();
      TokenReview in = Serialization.unmarshal(req.getUtf8Body(), TokenReview.class);
      String user = switch (in.getSpec().getToken()) {
        case "reader-token" -> READER;
        case "alice-token" -> "alice";
        case "bob-token" -> "bob";
        default -> null;
      };
      return new TokenReviewBuilder(in).withNewStatus().withAuthenticated(user != null)
          .withNewUser().withUsername(user).withGroups("system:authenticated").endUser().endStatus().build();
    }).always();
    api.server.expect().post().withPath("/apis/authorization.k8s.io/v1/subjectaccessreviews").andReply(200, req -> {
      SubjectAccessReview in = Serialization.unmarshal(req.getUtf8Body(), SubjectAccessReview.class);
      accessReviews.add(in);
      if (in.getSpec().getUser().equals("bob")) {
        throw new IllegalStateException("the API server fails");
      }
      boolean allowed = in.getSpec().getUser().equals(READER);
      return new SubjectAccessReviewBuilder(in).withNewStatus().withAllowed(allowed).endStatus().build();
    }).always();
    vertx = Vertx.vertx();
    Datastore datastore = new Datastore(Datastore.Mode.ENDPOINT_SET, 10_000);
    server = vertx.createHttpServer().requestHandler(PickerHttp.router(vertx, datastore, new PickerMetrics(),
        new MetricsAuth(vertx, api.client))).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().await(10, TimeUnit.SECONDS);
    api.close();
  }

  private HttpResponse<String> get(String path, String authorization) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort() + path));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return java.net.http.HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void noBearerToken_401Unauthorized() throws Exception {
    for (String header : new String[] {null, "Basic dXNlcjpwdw==", "Bearer ", "Bearer"}) {
      HttpResponse<String> r = get("/metrics", header);
      assertThat(r.statusCode()).as(String.valueOf(header)).isEqualTo(401);
      assertThat(r.body()).isEqualTo("Unauthorized\n");
      assertThat(r.headers().firstValue("content-type")).hasValue("text/plain; charset=utf-8");
    }
    assertThat(tokenReviews).as("no review without a token").hasValue(0);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      token not accepted                   | /metrics      | forged      | 500 | Authentication failed
      authenticated but not allowed        | /v1/endpoints | alice-token | 403 | Authorization denied for user alice
      access review fails, naming the user | /metrics      | bob-token   | 500 | Authorization for user bob failed
      """)
  void refusedReader_getsTheStatusAndMessage(String why, String path, String token, int status, String message)
      throws Exception {
    HttpResponse<String> r = get(path, "Bearer " + token);
    assertThat(r.statusCode()).as(why).isEqualTo(status);
    assertThat(r.body()).as(why).isEqualTo(message + "\n");
  }

  @Test
  void allowedReader_getsTheMetrics_askedAsANonResourceGetOnThePath_andTheDecisionIsCached() throws Exception {
    HttpResponse<String> r = get("/metrics", "Bearer reader-token");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).contains("# TYPE");
    SubjectAccessReview asked = accessReviews.getFirst();
    assertThat(asked.getSpec().getNonResourceAttributes().getPath()).isEqualTo("/metrics");
    assertThat(asked.getSpec().getNonResourceAttributes().getVerb()).isEqualTo("get");
    assertThat(asked.getSpec().getGroups()).containsExactly("system:authenticated");
    assertThat(get("/metrics", "Bearer reader-token").statusCode()).isEqualTo(200);
    assertThat(tokenReviews).as("cached for a minute").hasValue(1);
    assertThat(get("/v1/endpoints", "Bearer reader-token").statusCode()).as("each path reviewed").isEqualTo(200);
    assertThat(accessReviews).extracting(a -> a.getSpec().getNonResourceAttributes().getPath())
        .containsExactly("/metrics", "/v1/endpoints");
  }


  @Test
  void probesStayOpen() throws Exception {
    assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
  }

  @Test
  void metricsCertDir_servesHttps_andAClientCaDemandsClientCertificates(@TempDir Path dir) throws Exception {
    Path certs = Files.createDirectories(dir.resolve("certs"));
    SelfSignedCertificate serving = SelfSignedCertificate.generate();
    Files.writeString(certs.resolve(CertificateFiles.CERT_FILE), serving.certificatePem());
    Files.writeString(certs.resolve(CertificateFiles.KEY_FILE), serving.privateKeyPem());
    SelfSignedCertificate client = SelfSignedCertificate.generate();
    Path ca = Files.writeString(dir.resolve("ca.pem"), client.certificatePem()); // a self-signed cert is its own CA
    try (PickerFixture p = PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 1), null, null,
        s -> s.setMetricsCertDir(certs.toString()).setMetricsClientCaFile(ca.toString()).setMetricsEndpointAuth(false))) {
      RequestOptions metrics = new RequestOptions().setHost("127.0.0.1").setPort(p.server.metricsPort())
          .setURI("/metrics").setMethod(HttpMethod.GET);
      HttpClientOptions tls = new HttpClientOptions().setSsl(true).setTrustAll(true).setVerifyHost(false);
      HttpClient withCert = p.vertx.createHttpClient(new HttpClientOptions(tls).setKeyCertOptions(client.keyCertOptions()));
      String body = withCert.request(metrics).compose(req -> req.send().compose(r -> r.body()))
          .await(10, TimeUnit.SECONDS).toString();
      assertThat(body).contains("# TYPE");
      HttpClient withoutCert = p.vertx.createHttpClient(tls);
      assertThatThrownBy(() -> withoutCert.request(metrics).compose(req -> req.send()).await(10, TimeUnit.SECONDS))
          .as("no client certificate").isNotNull();
      HttpClient otherCert = p.vertx.createHttpClient(new HttpClientOptions(tls)
          .setKeyCertOptions(SelfSignedCertificate.generate().keyCertOptions()));
      assertThatThrownBy(() -> otherCert.request(metrics).compose(req -> req.send()).await(10, TimeUnit.SECONDS))
          .as("a certificate the CA did not sign").isNotNull();
    }
  }

  @Test
  void metricsCertDir_withoutTheFiles_stopsTheStartNamingThem(@TempDir Path dir) {
    assertThatThrownBy(() -> PickerFixture.start(dir, PickerFixture.entry("a", "127.0.0.1", 1), null, null,
        s -> s.setMetricsCertDir(dir.resolve("none").toString()).setMetricsEndpointAuth(true)))
        .hasMessageStartingWith("--metrics-cert-dir: " + dir.resolve("none").resolve("tls.crt"));
  }
}
