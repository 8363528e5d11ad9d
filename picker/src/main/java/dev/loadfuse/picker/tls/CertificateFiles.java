package dev.loadfuse.picker.tls;

import dev.loadfuse.common.settings.BoundedFiles;
import dev.loadfuse.common.settings.SettingsException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.PemKeyCertOptions;
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
  /** The largest certificate or key file read (a PEM chain of a few certificates is ~10 KiB). */
  public static final long MAX_FILE_BYTES = 1 << 20;
  private static final String CERT_WHAT = "a PEM certificate";
  private static final String KEY_WHAT = "a PEM private key";

  private final Path cert;
  private final Path key;
  private final String flag;
  private byte[] certBytes;
  private byte[] keyBytes;

  public CertificateFiles(Path dir) {
    this(dir, "--cert-path");
  }

  /** The files of {@code dir}, named by {@code flag} in messages ({@code --metrics-cert-dir}). */
  public CertificateFiles(Path dir, String flag) {
    this.cert = dir.resolve(CERT_FILE);
    this.key = dir.resolve(KEY_FILE);
    this.flag = flag;
  }

  /**
   * Reads both files.
   *
   * @throws IllegalArgumentException naming the file that cannot be read
   */
  public PemKeyCertOptions read() {
    certBytes = readFile(cert, CERT_WHAT);
    keyBytes = readFile(key, KEY_WHAT);
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
      c = bounded(cert, CERT_WHAT);
      k = bounded(key, KEY_WHAT);
    } catch (SettingsException e) {
      return null; // mid-rotation, gone or oversized: keep serving the current certificate
    }
    if (Arrays.equals(c, certBytes) && Arrays.equals(k, keyBytes)) {
      return null;
    }
    certBytes = c;
    keyBytes = k;
    return options();
  }

  private byte[] readFile(Path p, String what) {
    try {
      return bounded(p, what);
    } catch (SettingsException e) {
      throw new IllegalArgumentException(flag + ": " + e.getMessage(), e);
    }
  }

  private static byte[] bounded(Path p, String what) {
    return BoundedFiles.read(p, MAX_FILE_BYTES, what);
  }
}
