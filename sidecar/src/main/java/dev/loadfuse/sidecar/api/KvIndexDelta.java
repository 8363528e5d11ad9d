package dev.loadfuse.sidecar.api;

import dev.loadfuse.engine.kvevents.KvDelta;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * A change to the prefix index from one engine publisher (an endpoint's DP rank), as a sidecar
 * publishes it on {@link KvBus#DELTA} and sends it in answer to a snapshot request (then {@code
 * delta.cleared()} is true and it holds every key).
 *
 * <p>{@code epoch} is random per sidecar start and {@code sequence} counts this holder's deltas
 * from 1, so a replica can tell the next delta from a lost one, a replay, or a restarted sidecar.
 *
 * @param pool the endpoint's pool ({@link EndpointId#pool()})
 * @param endpoint the endpoint's name ({@link EndpointId#name()})
 * @param rank the data-parallel rank (0 without DP)
 */
public record KvIndexDelta(String pool, String endpoint, int rank, long epoch, long sequence, KvDelta delta) {

  static final byte VERSION = 1;
  /** Pool and endpoint names above this many bytes are refused. */
  static final int MAX_NAME_BYTES = 512;

  public KvIndexDelta {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(delta, "delta");
    if (rank < 0) {
      throw new IllegalArgumentException("rank: " + rank + " (expected: >= 0)");
    }
    if (sequence < 1) {
      throw new IllegalArgumentException("sequence: " + sequence + " (expected: >= 1)");
    }
  }

  /** Version, pool, endpoint, rank, epoch, sequence, cleared, count, keys, ops. */
  static final WireCodec<KvIndexDelta> WIRE = new WireCodec<>() {
    @Override
    public void write(Buffer out, KvIndexDelta d) {
      out.appendByte(VERSION);
      name(out, d.pool);
      name(out, d.endpoint);
      out.appendInt(d.rank).appendLong(d.epoch).appendLong(d.sequence);
      out.appendByte((byte) (d.delta.cleared() ? 1 : 0));
      long[] keys = d.delta.keys();
      out.appendInt(keys.length);
      for (long k : keys) {
        out.appendLong(k);
      }
      out.appendBytes(d.delta.ops());
    }

    @Override
    public KvIndexDelta read(Buffer in, int pos) {
      int end = in.length();
      if (end - pos < 1 || in.getByte(pos) != VERSION) {
        throw new IllegalArgumentException("kv index delta: unsupported version or empty");
      }
      int[] at = {pos + 1};
      String pool = readName(in, at, "pool");
      String endpoint = readName(in, at, "endpoint");
      need(in, at[0], 4 + 8 + 8 + 1 + 4, "header");
      int rank = in.getInt(at[0]);
      long epoch = in.getLong(at[0] + 4);
      long seq = in.getLong(at[0] + 12);
      boolean cleared = in.getByte(at[0] + 20) != 0;
      int n = in.getInt(at[0] + 21);
      at[0] += 25;
      if (n < 0 || n > KvDelta.MAX_OPS) {
        throw new IllegalArgumentException("kv index delta: " + n + " keys (expected: [0, " + KvDelta.MAX_OPS + "])");
      }
      if (end - at[0] != 9L * n) {
        throw new IllegalArgumentException("kv index delta: " + (end - at[0]) + " bytes of keys and ops (expected: " + 9L * n + ")");
      }
      long[] keys = new long[n];
      for (int i = 0; i < n; i++) {
        keys[i] = in.getLong(at[0] + 8 * i);
      }
      byte[] ops = in.getBytes(at[0] + 8 * n, end);
      return new KvIndexDelta(pool, endpoint, rank, epoch, seq, new KvDelta(cleared, keys, ops));
    }
  };

  private static void name(Buffer out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.appendUnsignedShort(b.length).appendBytes(b);
  }

  private static String readName(Buffer in, int[] at, String what) {
    need(in, at[0], 2, what);
    int n = in.getUnsignedShort(at[0]);
    if (n > MAX_NAME_BYTES) {
      throw new IllegalArgumentException("kv index delta: " + what + " of " + n + " bytes (expected: at most " + MAX_NAME_BYTES + ")");
    }
    need(in, at[0] + 2, n, what);
    String s = in.getString(at[0] + 2, at[0] + 2 + n, "UTF-8");
    at[0] += 2 + n;
    return s;
  }

  private static void need(Buffer in, int pos, int n, String what) {
    if (in.length() - pos < n) {
      throw new IllegalArgumentException("kv index delta: truncated in the " + what);
    }
  }
}
