package dev.loadfuse.sidecar.api.cluster;

import dev.loadfuse.common.settings.BoundedFiles;
import dev.loadfuse.common.settings.SettingsException;
import dev.loadfuse.sidecar.api.Hkdf;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * The shared secret of a loadfuse cluster: every sidecar and picker of one cluster reads the same
 * one (a Kubernetes Secret mounted as a file), and a process without it can neither join nor be
 * heard. Two things are derived from it with HKDF-SHA256, never the secret itself put on the
 * network: the Hazelcast cluster name's suffix ({@link #clusterNameSuffix()}: members of another
 * secret, or of none, are refused at the join) and the key that seals every bus message ({@link
 * #sealKey()}, see {@code BusSeal}).
 *
 * <p>The file holds at least {@value #MIN_BYTES} bytes (e.g. {@code openssl rand -base64 32}, 44
 * characters); surrounding white space and a final newline are not part of it. Its content never
 * appears in a message or a log.
 */
public final class ClusterSecret {

  /** Shorter secrets are refused: 32 bytes of base64 text carry 192 bits. */
  public static final int MIN_BYTES = 32;
  /** A larger secret file is refused. */
  public static final long MAX_FILE_BYTES = 4096;

  private static final byte[] SALT = "loadfuse cluster v1".getBytes(StandardCharsets.US_ASCII);

  private final byte[] prk;

  private ClusterSecret(byte[] secret) {
    this.prk = Hkdf.extract(SALT, secret);
  }

  /**
   * Reads the secret from {@code file}.
   *
   * @throws SettingsException naming the file: missing, too large, or shorter than {@value #MIN_BYTES} bytes
   */
  public static ClusterSecret read(Path file) {
    byte[] raw = BoundedFiles.read(file, MAX_FILE_BYTES, "a cluster secret");
    int from = 0;
    int to = raw.length;
    while (from < to && Character.isWhitespace(raw[from])) {
      from++;
    }
    while (to > from && Character.isWhitespace(raw[to - 1])) {
      to--;
    }
    if (to - from < MIN_BYTES) {
      throw new SettingsException(file + ": a cluster secret of " + (to - from) + " bytes (expected: at least "
          + MIN_BYTES + ", e.g. the output of: openssl rand -base64 32)");
    }
    byte[] secret = Arrays.copyOfRange(raw, from, to);
    Arrays.fill(raw, (byte) 0);
    return new ClusterSecret(secret);
  }

  /** A secret given as bytes (tests, embedding code); at least {@value #MIN_BYTES}. */
  public static ClusterSecret of(byte[] secret) {
    if (secret.length < MIN_BYTES) {
      throw new IllegalArgumentException("cluster secret: " + secret.length + " bytes (expected: at least " + MIN_BYTES + ")");
    }
    return new ClusterSecret(secret.clone());
  }

  /** 32 hex digits that every holder of this secret, and only they, put in the Hazelcast cluster name. */
  public String clusterNameSuffix() {
    return HexFormat.of().formatHex(Hkdf.expand(prk, "hazelcast cluster name", 16));
  }

  /** The key that seals bus messages (each sender expands its own from it). */
  public byte[] sealKey() {
    return Hkdf.expand(prk, "bus seal", 32);
  }

  @Override
  public String toString() {
    return "ClusterSecret[redacted]";
  }
}
