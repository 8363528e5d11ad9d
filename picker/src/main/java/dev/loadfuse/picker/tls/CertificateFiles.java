package dev.loadfuse.picker.tls;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The serving certificate of {@code --cert-path DIR}: {@code DIR/tls.crt} and {@code DIR/tls.key}
 * (PEM), as a Kubernetes TLS secret mounts them. {@link #changed()} tells when either file's
 * content changed since the last read, so the server can reload them (secret rotation).
 * Not thread-safe; polled from one timer.
 */
public final class CertificateFiles {

  public static final String CERT_FILE = "tls.crt";
  public static final String KEY_FILE = "tls.key";

  private final Path cert;
  private final Path key;
  private byte[] certBytes;
  private byte[] keyBytes;

  public CertificateFiles(Path dir) {
    this.cert = dir.resolve(CERT_FILE);
    this.key = dir.resolve(KEY_FILE);
  }

  /**
   * Reads both files.
   *
   * @throws IllegalArgumentException naming the file that cannot be read
   */
  public PemKeyCertOptions read() {
    certBytes = readFile(cert);
    keyBytes = readFile(key);
    return options();
  }

  private PemKeyCertOptions options() {
    return new PemKeyCertOptions().setCertValue(Buffer.buffer(certBytes)).setKeyValue(Buffer.buffer(keyBytes));
  }

  /** The new options when either file changed since the last read; null otherwise (or while unreadable). */
  public PemKeyCertOptions changed() {
    byte[] c;
    byte[] k;
    try {
      c = Files.readAllBytes(cert);
      k = Files.readAllBytes(key);
    } catch (IOException e) {
      return null; // mid-rotation or gone: keep serving the current certificate
    }
    if (Arrays.equals(c, certBytes) && Arrays.equals(k, keyBytes)) {
      return null;
    }
    certBytes = c;
    keyBytes = k;
    return options();
  }

  private static byte[] readFile(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new IllegalArgumentException("--cert-path: cannot read " + p + ": " + e.getMessage(), e);
    }
  }
}
