package dev.loadfuse.sidecar.api;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * HKDF with HMAC-SHA256 (RFC 5869): {@link #extract} a pseudorandom key from a secret, then
 * {@link #expand} it into as many independent keys as there are uses, one {@code info} each.
 */
public final class Hkdf {

  private static final String HMAC = "HmacSHA256";
  private static final int HASH_LEN = 32;

  private Hkdf() {}

  /** HKDF-Extract: a 32-byte pseudorandom key from {@code ikm} and {@code salt}. */
  public static byte[] extract(byte[] salt, byte[] ikm) {
    return mac(salt.length == 0 ? new byte[HASH_LEN] : salt).doFinal(ikm);
  }

  /** HKDF-Expand: {@code length} bytes (at most 255 × 32) for the use named by {@code info}. */
  public static byte[] expand(byte[] prk, byte[] info, int length) {
    if (length < 1 || length > 255 * HASH_LEN) {
      throw new IllegalArgumentException("length: " + length + " (expected: [1, " + 255 * HASH_LEN + "])");
    }
    Mac mac = mac(prk);
    byte[] out = new byte[length];
    byte[] t = new byte[0];
    int done = 0;
    for (int i = 1; done < length; i++) {
      mac.update(t);
      mac.update(info);
      mac.update((byte) i);
      t = mac.doFinal();
      int n = Math.min(t.length, length - done);
      System.arraycopy(t, 0, out, done, n);
      done += n;
    }
    return out;
  }

  /** {@link #expand} with a text {@code info}. */
  public static byte[] expand(byte[] prk, String info, int length) {
    return expand(prk, info.getBytes(StandardCharsets.UTF_8), length);
  }

  private static Mac mac(byte[] key) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, HMAC));
      return mac;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 unavailable: " + e, e);
    }
  }
}
