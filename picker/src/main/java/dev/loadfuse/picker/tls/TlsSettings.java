package dev.loadfuse.picker.tls;

import dev.loadfuse.common.settings.BoundedFiles;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.core.net.TCPSSLOptions;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.logging.Logger;
import javax.net.ssl.SSLContext;

/**
 * The llm-d router's TLS flags on a Vert.x server: {@code --tls-min-version} (Go's version names)
 * and {@code --tls-cipher-suites} (Go's names, which are the IANA names the JDK uses), and the
 * client CA of {@code --metrics-client-ca-file}.
 */
public final class TlsSettings {

  private static final Logger LOG = Logger.getLogger(TlsSettings.class.getName());
  /** The largest client CA bundle read. */
  public static final long MAX_CA_FILE_BYTES = 1 << 20;

  private TlsSettings() {}

  /**
   * The protocols a minimum version leaves on: {@code VersionTLS13} is TLS 1.3 only; the older
   * minimums leave TLS 1.2 and 1.3 (the JDK disables TLS 1.0 and 1.1 itself).
   */
  public static Set<String> protocols(String minVersion) {
    return "VersionTLS13".equals(minVersion) ? Set.of("TLSv1.3") : new LinkedHashSet<>(List.of("TLSv1.2", "TLSv1.3"));
  }

  /**
   * Applies both flags to {@code options}; suites this JVM lacks are left out with a warning.
   *
   * @throws IllegalArgumentException when none of the suites given is available here
   */
  public static void apply(TCPSSLOptions options, String minVersion, List<String> cipherSuites) {
    if (minVersion != null) {
      options.setEnabledSecureTransportProtocols(protocols(minVersion));
    }
    if (cipherSuites.isEmpty()) {
      return;
    }
    Set<String> supported;
    try {
      supported = Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("no default TLS context", e);
    }
    List<String> missing = new ArrayList<>();
    int added = 0;
    for (String suite : cipherSuites) {
      if (supported.contains(suite)) {
        options.addEnabledCipherSuite(suite);
        added++;
      } else {
        missing.add(suite);
      }
    }
    if (added == 0) {
      throw new IllegalArgumentException("--tls-cipher-suites: none of " + cipherSuites + " is available in this JVM");
    }
    if (!missing.isEmpty()) {
      LOG.warning("--tls-cipher-suites: not available in this JVM, left out: " + missing);
    }
  }

  /**
   * The CA bundle of {@code --metrics-client-ca-file}.
   *
   * @throws IllegalArgumentException naming the file: unreadable, too large, or without a PEM certificate
   */
  public static PemTrustOptions clientCa(String file) {
    String pem;
    try {
      pem = BoundedFiles.readString(Path.of(file), MAX_CA_FILE_BYTES, "a client CA file");
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("--metrics-client-ca-file: " + e.getMessage(), e);
    }
    if (!pem.contains("-----BEGIN CERTIFICATE-----")) {
      throw new IllegalArgumentException("--metrics-client-ca-file: " + file + ": no PEM certificate in it");
    }
    return new PemTrustOptions().addCertValue(Buffer.buffer(pem));
  }
}
