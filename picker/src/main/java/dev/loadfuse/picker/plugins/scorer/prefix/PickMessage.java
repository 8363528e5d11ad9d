package dev.loadfuse.picker.plugins.scorer.prefix;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.UUID;

/**
 * One pick shared between picker replicas on {@code inference.picks.v1}: which replica made it, for
 * which prefix-cache-scorer instance, to which endpoint, with which block hashes.
 *
 * <p>Wire format (big-endian): version byte {@code 1}; origin UUID (two longs); scorer name and
 * endpoint {@code ip:port}, each an unsigned short length and UTF-8 bytes; hash count (int); the
 * hashes (longs). About 8 bytes per block: a 4 KB prompt's 64 blocks make a ~560-byte message.
 *
 * @param origin the publishing replica
 * @param scorer the scorer instance's name (replicas run the same config)
 * @param hostPort the chosen endpoint
 * @param hashes the prompt's chained block hashes
 */
public record PickMessage(UUID origin, String scorer, String hostPort, long[] hashes) {

  static final byte VERSION = 1;
  /** More blocks than any valid config matches: a larger count is a corrupt message. */
  static final int MAX_HASHES = 65_536;

  public PickMessage {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(scorer, "scorer");
    Objects.requireNonNull(hostPort, "hostPort");
    Objects.requireNonNull(hashes, "hashes");
  }

  public Buffer encode() {
    byte[] name = scorer.getBytes(StandardCharsets.UTF_8);
    byte[] host = hostPort.getBytes(StandardCharsets.UTF_8);
    if (name.length > 0xFFFF || host.length > 0xFFFF) {
      throw new IllegalArgumentException("scorer or hostPort longer than 65535 bytes");
    }
    Buffer b = Buffer.buffer(1 + 16 + 2 + name.length + 2 + host.length + 4 + 8 * hashes.length);
    b.appendByte(VERSION).appendLong(origin.getMostSignificantBits()).appendLong(origin.getLeastSignificantBits());
    b.appendUnsignedShort(name.length).appendBytes(name);
    b.appendUnsignedShort(host.length).appendBytes(host);
    b.appendInt(hashes.length);
    for (long h : hashes) {
      b.appendLong(h);
    }
    return b;
  }

  /**
   * @throws IllegalArgumentException naming what is wrong: unknown version, truncated, bad count,
   *     trailing bytes
   */
  public static PickMessage decode(Buffer b) {
    try {
      int pos = 0;
      byte version = b.getByte(pos++);
      if (version != VERSION) {
        throw new IllegalArgumentException("pick message version " + version + " (expected: " + VERSION + ")");
      }
      UUID origin = new UUID(b.getLong(pos), b.getLong(pos + 8));
      pos += 16;
      int nameLength = b.getUnsignedShort(pos);
      String name = b.getString(pos + 2, pos + 2 + nameLength, "UTF-8");
      pos += 2 + nameLength;
      int hostLength = b.getUnsignedShort(pos);
      String host = b.getString(pos + 2, pos + 2 + hostLength, "UTF-8");
      pos += 2 + hostLength;
      int n = b.getInt(pos);
      pos += 4;
      if (n < 0 || n > MAX_HASHES) {
        throw new IllegalArgumentException("pick message hash count " + n + " (expected: [0, " + MAX_HASHES + "])");
      }
      if (b.length() != pos + 8L * n) {
        throw new IllegalArgumentException("pick message of " + b.length() + " bytes (expected: " + (pos + 8L * n)
            + " for " + n + " hashes)");
      }
      long[] hashes = new long[n];
      for (int i = 0; i < n; i++, pos += 8) {
        hashes[i] = b.getLong(pos);
      }
      return new PickMessage(origin, name, host, hashes);
    } catch (IndexOutOfBoundsException e) {
      throw new IllegalArgumentException("pick message truncated (" + b.length() + " bytes)");
    }
  }
}
